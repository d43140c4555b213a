# One node, applied by its own operator in its own AWS account with its own state: the
# production layout. No other operator, and no principal of another account, can reach this
# node's keys, so 9 of 12 signatures stay 9 independent parties (docs/security.md).

provider "aws" {
  region = var.region

  # Refuse to apply into any account but the operator's own.
  allowed_account_ids = [var.aws_account_id]

  default_tags {
    tags = {
      "wpokt:env"     = var.environment
      "wpokt:managed" = "terraform"
      "wpokt:node"    = var.node_id
    }
  }
}

module "node" {
  source = "../../modules/wpokt-node"

  node_id                 = var.node_id
  region                  = var.region
  image                   = var.image
  ecr_repository_arn      = var.ecr_repository_arn
  instance_type           = var.instance_type
  node_config_yaml        = file("${path.root}/${var.node_config_file}")
  mongodb_uri_secret_arn  = var.mongodb_uri_secret_arn
  ethereum_rpc_url        = var.ethereum_rpc_url
  pocket_rest_url         = var.pocket_rest_url
  mongodb_cidrs           = var.mongodb_cidrs
  vpc_cidr                = var.vpc_cidr
  run_node                = var.run_node
  log_retention_days      = var.log_retention_days
  metrics_pushgateway_url = var.metrics_pushgateway_url
  tags                    = var.tags
}
