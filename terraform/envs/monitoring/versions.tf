terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
  }

  # The monitoring account's own state. Partial configuration: terraform init -backend-config=backend.hcl.
  backend "s3" {}
}
