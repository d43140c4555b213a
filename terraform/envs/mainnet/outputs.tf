locals {
  nodes = {
    "node-01" = module.node_01
    "node-02" = module.node_02
    "node-03" = module.node_03
    "node-04" = module.node_04
    "node-05" = module.node_05
    "node-06" = module.node_06
    "node-07" = module.node_07
    "node-08" = module.node_08
    "node-09" = module.node_09
    "node-10" = module.node_10
    "node-11" = module.node_11
    "node-12" = module.node_12
  }
}

output "nodes" {
  description = "Per node: region, signing key ARNs (eth_signer, pokt_signer, eth_gas), instance id, role ARN, NAT egress IP, log group."
  value = {
    for node_id, node in local.nodes : node_id => {
      region        = node.region
      kms_key_arns  = node.kms_key_arns
      instance_id   = node.instance_id
      role_arn      = node.role_arn
      nat_public_ip = node.nat_public_ip
      log_group     = node.log_group
    }
  }
}

output "nat_public_ips" {
  description = "The 12 egress addresses to allow-list at MongoDB and the RPC providers."
  value       = [for node in local.nodes : node.nat_public_ip]
}
