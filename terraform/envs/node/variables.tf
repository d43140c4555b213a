variable "aws_account_id" {
  description = "This operator's own AWS account id: the provider refuses any other."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.aws_account_id))
    error_message = "aws_account_id is a 12-digit AWS account id."
  }
}

variable "environment" {
  description = "Environment tag (mainnet, testnet)."
  type        = string
  default     = "mainnet"
}

variable "node_id" {
  description = "This node's id in the cluster (node-01 .. node-12), agreed with the other operators."
  type        = string
}

variable "region" {
  description = "AWS region of this node."
  type        = string
}

variable "image" {
  description = "wpokt-node container image pinned by digest (REGISTRY/REPO@sha256:...): each operator upgrades on its own turn."
  type        = string
}

variable "ecr_repository_arn" {
  description = "ARN of the ECR repository holding the image; null for a public registry."
  type        = string
  default     = null
}

variable "node_config_file" {
  description = "Path of the cluster-wide node config YAML shared by every operator (deploy/config.example.yaml without node_id, keys, journal_path and mongodb.uri)."
  type        = string
  default     = "cluster.yaml"
}

variable "mongodb_uri_secret_arn" {
  description = "ARN of the Secrets Manager secret (this account, this region) holding this node's MongoDB URI."
  type        = string
}

variable "ethereum_rpc_url" {
  description = "This node's own Ethereum RPC URL; null to use ethereum.rpc_url of the cluster config."
  type        = string
  default     = null
  sensitive   = true
}

variable "pocket_rest_url" {
  description = "This node's own Pocket REST URL; null to use pocket.rest_url of the cluster config."
  type        = string
  default     = null
  sensitive   = true
}

variable "mongodb_cidrs" {
  description = "CIDRs of the MongoDB replica set members this node connects to."
  type        = list(string)
}

variable "vpc_cidr" {
  description = "This node's VPC range; choose one no other node's VPC uses (peering with the database)."
  type        = string
  default     = "10.42.0.0/16"
}

variable "run_node" {
  description = "Whether the instance runs: false until this node's keys are registered (docs/runbooks/deploy-node.md)."
  type        = bool
  default     = false
}

variable "instance_type" {
  description = "EC2 instance type."
  type        = string
  default     = "t3.small"
}

variable "log_retention_days" {
  description = "CloudWatch retention of node and VPC flow logs."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Extra tags on every resource."
  type        = map(string)
  default     = {}
}

variable "metrics_pushgateway_url" {
  description = "The monitoring account's Pushgateway over HTTPS (terraform/envs/monitoring); null: no metrics."
  type        = string
  default     = null
}
