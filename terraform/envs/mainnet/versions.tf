terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
  }

  # State holds key ARNs and rendered configs: keep it in an encrypted, versioned S3 bucket.
  # Partial configuration: terraform init -backend-config=backend.hcl (terraform/README.md).
  backend "s3" {}
}
