locals {
  node_config_yaml = file("${path.root}/${var.node_config_file}")
  default_tags = {
    "wpokt:env"     = "mainnet"
    "wpokt:managed" = "terraform"
  }
}
