output "node_id" {
  description = "The node's id."
  value       = var.node_id
}

output "region" {
  description = "The node's AWS region."
  value       = var.region
}

output "kms_key_arns" {
  description = "ARNs of the node's signing keys by config name (eth_signer, pokt_signer, eth_gas). Read their addresses as in terraform/README.md."
  value       = { for purpose, key in aws_kms_key.signing : purpose => key.arn }
}

output "instance_id" {
  description = "EC2 instance id (null while run_node = false). Reach it with `aws ssm start-session --target ID`."
  value       = var.run_node ? aws_instance.node[0].id : null
}

output "role_arn" {
  description = "The node's IAM role."
  value       = aws_iam_role.node.arn
}

output "nat_public_ip" {
  description = "The node's only public address (egress). Allow-list it at MongoDB and the RPC providers."
  value       = aws_eip.nat.public_ip
}

output "config_secret_arn" {
  description = "Secrets Manager secret holding the rendered node config."
  value       = aws_secretsmanager_secret.config.arn
}

output "mongodb_uri_secret_arn" {
  description = "Secrets Manager secret holding the MongoDB URI."
  value       = local.mongodb_uri_secret_arn
}

output "log_group" {
  description = "CloudWatch log group of the node's JSON logs."
  value       = aws_cloudwatch_log_group.node.name
}

output "alarms_topic_arn" {
  description = "SNS topic of the signing-key alarms (policy, grant, deletion changes): subscribe the operator to it."
  value       = aws_sns_topic.alarms.arn
}
