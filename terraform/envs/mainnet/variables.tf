variable "image" {
  description = "wpokt-node container image pinned by digest (REGISTRY/REPO@sha256:...), for every node not in node_images."
  type        = string
}

variable "node_images" {
  description = "Per-node image overrides (node id -> image by digest): a rolling upgrade moves one node at a time."
  type        = map(string)
  default     = {}
}

variable "ecr_repository_arn" {
  description = "ARN of the ECR repository holding the image (nodes in other regions pull across regions); null for a public registry."
  type        = string
  default     = null
}

variable "node_config_file" {
  description = "Path of the cluster-wide node config YAML (chain ids, contracts, validator addresses, vault, members, caps): deploy/config.example.yaml without node_id, keys, journal_path and mongodb.uri."
  type        = string
  default     = "cluster.yaml"
}

variable "mongodb_uri_secret_arns" {
  description = "Per node id (node-01 .. node-12), the ARN of a Secrets Manager secret in that node's region holding its MongoDB URI (one database user per node)."
  type        = map(string)

  validation {
    condition     = length(var.mongodb_uri_secret_arns) == 12
    error_message = "mongodb_uri_secret_arns needs one entry per node (node-01 .. node-12)."
  }
}

variable "ethereum_rpc_urls" {
  description = "Per node id, its own Ethereum RPC URL (often carries an API key); nodes not listed use ethereum.rpc_url of the cluster config."
  type        = map(string)
  default     = {}
  sensitive   = true
}

variable "pocket_rest_urls" {
  description = "Per node id, its own Pocket REST URL; nodes not listed use pocket.rest_url of the cluster config."
  type        = map(string)
  default     = {}
  sensitive   = true
}

variable "mongodb_cidrs" {
  description = "CIDRs of the MongoDB replica set members that the nodes connect to."
  type        = list(string)
}

variable "running_nodes" {
  description = "Node ids whose instance runs. Start with [] (keys, network and secrets only), then list nodes as their keys are registered (docs/runbooks/deploy-node.md)."
  type        = list(string)
  default     = []
}

variable "instance_type" {
  description = "EC2 instance type of every node."
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
