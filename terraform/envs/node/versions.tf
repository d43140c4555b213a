terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
  }

  # This operator's own state, in this operator's own account: an encrypted, versioned S3
  # bucket. Partial configuration: terraform init -backend-config=backend.hcl.
  backend "s3" {}
}
