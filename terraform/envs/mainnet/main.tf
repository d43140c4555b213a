# The 12 mainnet nodes, one per region. Every module gets the provider of its own region.

module "node_01" {
  source    = "../../modules/wpokt-node"
  providers = { aws = aws.us_east_1 }

  node_id                = "node-01"
  region                 = "us-east-1"
  image                  = lookup(var.node_images, "node-01", var.image)
  ecr_repository_arn     = var.ecr_repository_arn
  instance_type          = var.instance_type
  node_config_yaml       = local.node_config_yaml
  mongodb_uri_secret_arn = var.mongodb_uri_secret_arns["node-01"]
  ethereum_rpc_url       = lookup(var.ethereum_rpc_urls, "node-01", null)
  pocket_rest_url        = lookup(var.pocket_rest_urls, "node-01", null)
  mongodb_cidrs          = var.mongodb_cidrs
  vpc_cidr               = "10.41.0.0/16" # distinct: peerable with a shared database
  run_node               = contains(var.running_nodes, "node-01")
  log_retention_days     = var.log_retention_days
  tags                   = var.tags
}

module "node_02" {
  source    = "../../modules/wpokt-node"
  providers = { aws = aws.us_east_2 }

  node_id                = "node-02"
  region                 = "us-east-2"
  image                  = lookup(var.node_images, "node-02", var.image)
  ecr_repository_arn     = var.ecr_repository_arn
  instance_type          = var.instance_type
  node_config_yaml       = local.node_config_yaml
  mongodb_uri_secret_arn = var.mongodb_uri_secret_arns["node-02"]
  ethereum_rpc_url       = lookup(var.ethereum_rpc_urls, "node-02", null)
  pocket_rest_url        = lookup(var.pocket_rest_urls, "node-02", null)
  mongodb_cidrs          = var.mongodb_cidrs
  vpc_cidr               = "10.42.0.0/16" # distinct: peerable with a shared database
  run_node               = contains(var.running_nodes, "node-02")
  log_retention_days     = var.log_retention_days
  tags                   = var.tags
}

module "node_03" {
  source    = "../../modules/wpokt-node"
  providers = { aws = aws.us_west_2 }

  node_id                = "node-03"
  region                 = "us-west-2"
  image                  = lookup(var.node_images, "node-03", var.image)
  ecr_repository_arn     = var.ecr_repository_arn
  instance_type          = var.instance_type
  node_config_yaml       = local.node_config_yaml
  mongodb_uri_secret_arn = var.mongodb_uri_secret_arns["node-03"]
  ethereum_rpc_url       = lookup(var.ethereum_rpc_urls, "node-03", null)
  pocket_rest_url        = lookup(var.pocket_rest_urls, "node-03", null)
  mongodb_cidrs          = var.mongodb_cidrs
  vpc_cidr               = "10.43.0.0/16" # distinct: peerable with a shared database
  run_node               = contains(var.running_nodes, "node-03")
  log_retention_days     = var.log_retention_days
  tags                   = var.tags
}

module "node_04" {
  source    = "../../modules/wpokt-node"
  providers = { aws = aws.ca_central_1 }

  node_id                = "node-04"
  region                 = "ca-central-1"
  image                  = lookup(var.node_images, "node-04", var.image)
  ecr_repository_arn     = var.ecr_repository_arn
  instance_type          = var.instance_type
  node_config_yaml       = local.node_config_yaml
  mongodb_uri_secret_arn = var.mongodb_uri_secret_arns["node-04"]
  ethereum_rpc_url       = lookup(var.ethereum_rpc_urls, "node-04", null)
  pocket_rest_url        = lookup(var.pocket_rest_urls, "node-04", null)
  mongodb_cidrs          = var.mongodb_cidrs
  vpc_cidr               = "10.44.0.0/16" # distinct: peerable with a shared database
  run_node               = contains(var.running_nodes, "node-04")
  log_retention_days     = var.log_retention_days
  tags                   = var.tags
}

module "node_05" {
  source    = "../../modules/wpokt-node"
  providers = { aws = aws.sa_east_1 }

  node_id                = "node-05"
  region                 = "sa-east-1"
  image                  = lookup(var.node_images, "node-05", var.image)
  ecr_repository_arn     = var.ecr_repository_arn
  instance_type          = var.instance_type
  node_config_yaml       = local.node_config_yaml
  mongodb_uri_secret_arn = var.mongodb_uri_secret_arns["node-05"]
  ethereum_rpc_url       = lookup(var.ethereum_rpc_urls, "node-05", null)
  pocket_rest_url        = lookup(var.pocket_rest_urls, "node-05", null)
  mongodb_cidrs          = var.mongodb_cidrs
  vpc_cidr               = "10.45.0.0/16" # distinct: peerable with a shared database
  run_node               = contains(var.running_nodes, "node-05")
  log_retention_days     = var.log_retention_days
  tags                   = var.tags
}

module "node_06" {
  source    = "../../modules/wpokt-node"
  providers = { aws = aws.eu_west_1 }

  node_id                = "node-06"
  region                 = "eu-west-1"
  image                  = lookup(var.node_images, "node-06", var.image)
  ecr_repository_arn     = var.ecr_repository_arn
  instance_type          = var.instance_type
  node_config_yaml       = local.node_config_yaml
  mongodb_uri_secret_arn = var.mongodb_uri_secret_arns["node-06"]
  ethereum_rpc_url       = lookup(var.ethereum_rpc_urls, "node-06", null)
  pocket_rest_url        = lookup(var.pocket_rest_urls, "node-06", null)
  mongodb_cidrs          = var.mongodb_cidrs
  vpc_cidr               = "10.46.0.0/16" # distinct: peerable with a shared database
  run_node               = contains(var.running_nodes, "node-06")
  log_retention_days     = var.log_retention_days
  tags                   = var.tags
}

module "node_07" {
  source    = "../../modules/wpokt-node"
  providers = { aws = aws.eu_west_2 }

  node_id                = "node-07"
  region                 = "eu-west-2"
  image                  = lookup(var.node_images, "node-07", var.image)
  ecr_repository_arn     = var.ecr_repository_arn
  instance_type          = var.instance_type
  node_config_yaml       = local.node_config_yaml
  mongodb_uri_secret_arn = var.mongodb_uri_secret_arns["node-07"]
  ethereum_rpc_url       = lookup(var.ethereum_rpc_urls, "node-07", null)
  pocket_rest_url        = lookup(var.pocket_rest_urls, "node-07", null)
  mongodb_cidrs          = var.mongodb_cidrs
  vpc_cidr               = "10.47.0.0/16" # distinct: peerable with a shared database
  run_node               = contains(var.running_nodes, "node-07")
  log_retention_days     = var.log_retention_days
  tags                   = var.tags
}

module "node_08" {
  source    = "../../modules/wpokt-node"
  providers = { aws = aws.eu_central_1 }

  node_id                = "node-08"
  region                 = "eu-central-1"
  image                  = lookup(var.node_images, "node-08", var.image)
  ecr_repository_arn     = var.ecr_repository_arn
  instance_type          = var.instance_type
  node_config_yaml       = local.node_config_yaml
  mongodb_uri_secret_arn = var.mongodb_uri_secret_arns["node-08"]
  ethereum_rpc_url       = lookup(var.ethereum_rpc_urls, "node-08", null)
  pocket_rest_url        = lookup(var.pocket_rest_urls, "node-08", null)
  mongodb_cidrs          = var.mongodb_cidrs
  vpc_cidr               = "10.48.0.0/16" # distinct: peerable with a shared database
  run_node               = contains(var.running_nodes, "node-08")
  log_retention_days     = var.log_retention_days
  tags                   = var.tags
}

module "node_09" {
  source    = "../../modules/wpokt-node"
  providers = { aws = aws.eu_north_1 }

  node_id                = "node-09"
  region                 = "eu-north-1"
  image                  = lookup(var.node_images, "node-09", var.image)
  ecr_repository_arn     = var.ecr_repository_arn
  instance_type          = var.instance_type
  node_config_yaml       = local.node_config_yaml
  mongodb_uri_secret_arn = var.mongodb_uri_secret_arns["node-09"]
  ethereum_rpc_url       = lookup(var.ethereum_rpc_urls, "node-09", null)
  pocket_rest_url        = lookup(var.pocket_rest_urls, "node-09", null)
  mongodb_cidrs          = var.mongodb_cidrs
  vpc_cidr               = "10.49.0.0/16" # distinct: peerable with a shared database
  run_node               = contains(var.running_nodes, "node-09")
  log_retention_days     = var.log_retention_days
  tags                   = var.tags
}

module "node_10" {
  source    = "../../modules/wpokt-node"
  providers = { aws = aws.ap_northeast_1 }

  node_id                = "node-10"
  region                 = "ap-northeast-1"
  image                  = lookup(var.node_images, "node-10", var.image)
  ecr_repository_arn     = var.ecr_repository_arn
  instance_type          = var.instance_type
  node_config_yaml       = local.node_config_yaml
  mongodb_uri_secret_arn = var.mongodb_uri_secret_arns["node-10"]
  ethereum_rpc_url       = lookup(var.ethereum_rpc_urls, "node-10", null)
  pocket_rest_url        = lookup(var.pocket_rest_urls, "node-10", null)
  mongodb_cidrs          = var.mongodb_cidrs
  vpc_cidr               = "10.50.0.0/16" # distinct: peerable with a shared database
  run_node               = contains(var.running_nodes, "node-10")
  log_retention_days     = var.log_retention_days
  tags                   = var.tags
}

module "node_11" {
  source    = "../../modules/wpokt-node"
  providers = { aws = aws.ap_southeast_1 }

  node_id                = "node-11"
  region                 = "ap-southeast-1"
  image                  = lookup(var.node_images, "node-11", var.image)
  ecr_repository_arn     = var.ecr_repository_arn
  instance_type          = var.instance_type
  node_config_yaml       = local.node_config_yaml
  mongodb_uri_secret_arn = var.mongodb_uri_secret_arns["node-11"]
  ethereum_rpc_url       = lookup(var.ethereum_rpc_urls, "node-11", null)
  pocket_rest_url        = lookup(var.pocket_rest_urls, "node-11", null)
  mongodb_cidrs          = var.mongodb_cidrs
  vpc_cidr               = "10.51.0.0/16" # distinct: peerable with a shared database
  run_node               = contains(var.running_nodes, "node-11")
  log_retention_days     = var.log_retention_days
  tags                   = var.tags
}

module "node_12" {
  source    = "../../modules/wpokt-node"
  providers = { aws = aws.ap_southeast_2 }

  node_id                = "node-12"
  region                 = "ap-southeast-2"
  image                  = lookup(var.node_images, "node-12", var.image)
  ecr_repository_arn     = var.ecr_repository_arn
  instance_type          = var.instance_type
  node_config_yaml       = local.node_config_yaml
  mongodb_uri_secret_arn = var.mongodb_uri_secret_arns["node-12"]
  ethereum_rpc_url       = lookup(var.ethereum_rpc_urls, "node-12", null)
  pocket_rest_url        = lookup(var.pocket_rest_urls, "node-12", null)
  mongodb_cidrs          = var.mongodb_cidrs
  vpc_cidr               = "10.52.0.0/16" # distinct: peerable with a shared database
  run_node               = contains(var.running_nodes, "node-12")
  log_retention_days     = var.log_retention_days
  tags                   = var.tags
}
