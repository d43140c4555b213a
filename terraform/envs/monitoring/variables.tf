variable "aws_account_id" {
  description = "The monitoring account: the provider refuses to apply into any other. It holds no key of any node."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.aws_account_id))
    error_message = "aws_account_id is a 12-digit AWS account id."
  }
}

variable "region" {
  description = "Region of the Prometheus workspace and the alert topic."
  type        = string
}

variable "environment" {
  description = "testnet or mainnet (a tag)."
  type        = string
  default     = "mainnet"
}

variable "alert_rules_file" {
  description = "The shipped Prometheus alert rules, loaded unchanged into the workspace."
  type        = string
  default     = "../../../deploy/monitoring/alerts.yml"
}

variable "log_retention_days" {
  description = "Retention of the workspace's CloudWatch log group (rule and alert manager errors)."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Extra tags on every resource."
  type        = map(string)
  default     = {}
}
