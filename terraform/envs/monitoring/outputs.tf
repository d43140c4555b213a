output "prometheus_remote_write_url" {
  description = "Where the Prometheus agent next to the Pushgateway remote-writes (SigV4, service aps)."
  value       = "${aws_prometheus_workspace.wpokt.prometheus_endpoint}api/v1/remote_write"
}

output "alerts_topic_arn" {
  description = "The SNS topic every alert goes to: subscribe the operators to it."
  value       = aws_sns_topic.alerts.arn
}

output "workspace_id" {
  description = "The Amazon Managed Service for Prometheus workspace (a Grafana data source: deploy/monitoring/grafana-dashboard.json)."
  value       = aws_prometheus_workspace.wpokt.id
}
