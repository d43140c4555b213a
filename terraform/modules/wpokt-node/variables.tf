variable "node_id" {
  description = "This node's id (config `node_id`): lower-case letters, digits, '-' and '_'."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9_-]{1,32}$", var.node_id))
    error_message = "node_id must match ^[a-z0-9_-]{1,32}$."
  }
}

variable "region" {
  description = "AWS region of this node; must equal the region of the `aws` provider passed to the module."
  type        = string
}

variable "image" {
  description = "Container image of wpokt-node, pinned by digest (REGISTRY/REPO@sha256:...)."
  type        = string

  validation {
    condition     = can(regex("@sha256:[0-9a-f]{64}$", var.image))
    error_message = "image must be pinned by digest: REGISTRY/REPO@sha256:<64 hex digits>."
  }
}

variable "ecr_repository_arn" {
  description = "ARN of the ECR repository holding the image, if it is in ECR (grants pull on that repository only). null for a public registry."
  type        = string
  default     = null
}

variable "instance_type" {
  description = "EC2 instance type (x86_64, Nitro). The node needs ~1 GiB of memory."
  type        = string
  default     = "t3.small"
}

variable "ami_ssm_parameter" {
  description = "SSM public parameter naming the Amazon Linux 2023 AMI to boot."
  type        = string
  default     = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
}

variable "data_volume_gib" {
  description = "Size of the encrypted EBS volume holding /var/lib/wpokt (the signing journal)."
  type        = number
  default     = 8
}

variable "vpc_cidr" {
  description = "CIDR of the node's VPC; a /24 public subnet (NAT gateway only) and a /24 private subnet (the node) are carved from it."
  type        = string
  default     = "10.42.0.0/16"
}

variable "availability_zone" {
  description = "Availability zone for the subnets and the instance; null picks <region>a."
  type        = string
  default     = null
}

variable "mongodb_uri" {
  description = "MongoDB connection string of this node's database user. Stored in a Secrets Manager secret created here (and therefore in the Terraform state). Exactly one of mongodb_uri / mongodb_uri_secret_arn."
  type        = string
  default     = null
  sensitive   = true
}

variable "mongodb_uri_secret_arn" {
  description = "ARN of an existing Secrets Manager secret (in this region) whose string value is the MongoDB URI. Keeps the URI out of the Terraform state. Exactly one of mongodb_uri / mongodb_uri_secret_arn."
  type        = string
  default     = null
}

variable "mongodb_uri_secret_kms_key_arn" {
  description = "KMS key encrypting the secret named by mongodb_uri_secret_arn, if it is not the AWS managed key (the node may decrypt with it only through Secrets Manager)."
  type        = string
  default     = null
}

variable "mongodb_cidrs" {
  description = "Destination CIDRs of the MongoDB replica set members (e.g. the Atlas private endpoint or peering range)."
  type        = list(string)
}

variable "mongodb_port" {
  description = "TCP port of the MongoDB members."
  type        = number
  default     = 27017
}

variable "https_egress_cidrs" {
  description = "Destinations the node may reach on 443: Ethereum and Pocket RPC providers, AWS APIs, the image registry and OS packages."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "node_config_yaml" {
  description = "The cluster-wide node configuration (YAML, see deploy/config.example.yaml) WITHOUT node_id, keys, journal_path and mongodb.uri: the module adds this node's id, its KMS keys and journal path; the URI comes from its own secret."
  type        = string

  validation {
    condition     = length(setintersection(keys(yamldecode(var.node_config_yaml)), ["node_id", "keys", "journal_path"])) == 0
    error_message = "node_config_yaml must not set node_id, keys or journal_path (the module sets them per node)."
  }

  validation {
    condition     = !can(yamldecode(var.node_config_yaml).mongodb.uri)
    error_message = "node_config_yaml must not contain mongodb.uri (pass mongodb_uri or mongodb_uri_secret_arn)."
  }
}

variable "ethereum_rpc_url" {
  description = "This node's own Ethereum RPC endpoint (overrides ethereum.rpc_url of node_config_yaml); null keeps the config's."
  type        = string
  default     = null
  sensitive   = true
}

variable "pocket_rest_url" {
  description = "This node's own Pocket REST endpoint (overrides pocket.rest_url of node_config_yaml); null keeps the config's."
  type        = string
  default     = null
  sensitive   = true
}

variable "metrics_pushgateway_url" {
  description = "The monitoring account's Prometheus Pushgateway (metrics.pushgateway_url of the node config), reached over HTTPS (the security group allows 443 out only); null keeps the config's (none: no metrics)."
  type        = string
  default     = null

  validation {
    condition     = var.metrics_pushgateway_url == null || can(regex("^https://[^/@[:space:]]+(/[^[:space:]]*)?$", var.metrics_pushgateway_url))
    error_message = "metrics_pushgateway_url must be an https:// URL without credentials (the node's only egress is 443 and MongoDB)."
  }
}

variable "run_node" {
  description = "Start the instance. false creates the keys, network, secrets and logs only: read the keys' addresses, set up the validator set and vault, then set true."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Retention of the node's and the VPC flow logs' CloudWatch log groups."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (e.g. 90, 365, 731)."
  }
}

variable "kms_deletion_window_days" {
  description = "Waiting period before a scheduled KMS key deletion takes effect (7-30)."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "journal_snapshot_hours" {
  description = "Hours between snapshots of the journal volume (AWS DLM)."
  type        = number
  default     = 1
}

variable "journal_snapshots_kept" {
  description = "How many journal snapshots are kept (at the default, three days of hourly ones)."
  type        = number
  default     = 72
}
