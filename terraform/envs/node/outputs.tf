output "node" {
  description = "This node: id, region, signing key ARNs (eth_signer, pokt_signer, eth_gas), instance id, role ARN, NAT egress IP, log group, alarm topic."
  value = {
    node_id          = var.node_id
    region           = module.node.region
    kms_key_arns     = module.node.kms_key_arns
    instance_id      = module.node.instance_id
    role_arn         = module.node.role_arn
    nat_public_ip    = module.node.nat_public_ip
    log_group        = module.node.log_group
    alarms_topic_arn = module.node.alarms_topic_arn
  }
}
