# One wPOKT bridge node in one AWS region: a private subnet with egress only, a security group
# without ingress, an instance running the image, the node's three KMS signing keys, its
# secrets and its logs. See terraform/README.md.

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  name       = "wpokt-${var.node_id}"
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  az         = coalesce(var.availability_zone, "${var.region}a")
  tags       = merge(var.tags, { "wpokt:node" = var.node_id, "wpokt:component" = "bridge-node" })

  # config names of the node's keys (config `keys.<name>`)
  key_purposes = toset(["eth_signer", "pokt_signer", "eth_gas"])

  journal_path   = "/var/lib/wpokt/journal.sqlite3"
  cluster_config = yamldecode(var.node_config_yaml)
  node_config = merge(local.cluster_config, {
    node_id = var.node_id
    ethereum = merge(local.cluster_config.ethereum, {
      for key, value in { rpc_url = var.ethereum_rpc_url } : key => value if value != null
    })
    pocket = merge(local.cluster_config.pocket, {
      for key, value in { rest_url = var.pocket_rest_url } : key => value if value != null
    })
    keys = {
      for purpose in local.key_purposes : purpose => {
        source     = "kms"
        kms_key_id = aws_kms_key.signing[purpose].arn
        kms_region = var.region
      }
    }
    journal_path = local.journal_path
    metrics = merge(try(local.cluster_config.metrics, {}), {
      for key, value in { pushgateway_url = var.metrics_pushgateway_url } : key => value if value != null
    })
  })

  mongodb_uri_secret_arn = var.mongodb_uri_secret_arn != null ? var.mongodb_uri_secret_arn : aws_secretsmanager_secret.mongodb_uri[0].arn
}

# Fails the plan early when the module is given a provider for another region.
resource "terraform_data" "region_check" {
  input = var.region

  lifecycle {
    precondition {
      condition     = data.aws_region.current.name == var.region
      error_message = "var.region (${var.region}) differs from the provider's region (${data.aws_region.current.name})."
    }
    precondition {
      condition     = (var.mongodb_uri == null) != (var.mongodb_uri_secret_arn == null)
      error_message = "Set exactly one of mongodb_uri and mongodb_uri_secret_arn."
    }
  }
}
