data "aws_ssm_parameter" "ami" {
  name = var.ami_ssm_parameter
}

# /var/lib/wpokt (the signing journal) lives on its own volume: it survives replacing the
# instance (new AMI, new user data).
resource "aws_ebs_volume" "data" {
  availability_zone = local.az
  size              = var.data_volume_gib
  type              = "gp3"
  encrypted         = true
  kms_key_id        = aws_kms_key.data.arn
  tags              = merge(local.tags, { Name = "${local.name}-data", WpoktJournal = var.node_id })
}

# Snapshots of the journal volume on a schedule (docs/runbooks/restore-journal.md restores one).
resource "aws_dlm_lifecycle_policy" "journal" {
  description        = "wPOKT ${var.node_id}: signing journal snapshots"
  execution_role_arn = aws_iam_role.dlm.arn
  state              = "ENABLED"

  policy_details {
    resource_types = ["VOLUME"]
    target_tags    = { WpoktJournal = var.node_id }

    schedule {
      name      = "every ${var.journal_snapshot_hours} h"
      copy_tags = true

      create_rule {
        interval      = var.journal_snapshot_hours
        interval_unit = "HOURS"
      }

      retain_rule {
        count = var.journal_snapshots_kept
      }
    }
  }

  tags = local.tags
}

resource "aws_instance" "node" {
  count = var.run_node ? 1 : 0

  ami                         = data.aws_ssm_parameter.ami.value
  instance_type               = var.instance_type
  subnet_id                   = aws_subnet.private.id
  availability_zone           = local.az
  vpc_security_group_ids      = [aws_security_group.node.id]
  iam_instance_profile        = aws_iam_instance_profile.node.name
  associate_public_ip_address = false
  monitoring                  = true
  ebs_optimized               = true
  user_data_replace_on_change = true
  user_data = templatefile("${path.module}/templates/user_data.sh.tftpl", {
    region                 = var.region
    node_id                = var.node_id
    image                  = var.image
    registry               = var.ecr_repository_arn == null ? "" : split("/", var.image)[0]
    registry_region        = var.ecr_repository_arn == null ? "" : split(":", var.ecr_repository_arn)[3]
    config_secret_arn      = aws_secretsmanager_secret.config.arn
    mongodb_uri_secret_arn = local.mongodb_uri_secret_arn
    log_group              = aws_cloudwatch_log_group.node.name
    data_volume_id         = aws_ebs_volume.data.id
  })

  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "required" # IMDSv2 only
    # 2: the container (one network hop from the host) gets the role's credentials for KMS.
    http_put_response_hop_limit = 2
    instance_metadata_tags      = "disabled"
  }

  root_block_device {
    volume_type           = "gp3"
    volume_size           = 16
    encrypted             = true
    kms_key_id            = aws_kms_key.data.arn
    delete_on_termination = true
  }

  tags        = merge(local.tags, { Name = local.name })
  volume_tags = merge(local.tags, { Name = "${local.name}-root" })

  lifecycle {
    ignore_changes = [ami] # a new AMI is rolled out deliberately: docs/runbooks/deploy-node.md
  }

  depends_on = [
    aws_route_table_association.private,
    aws_iam_role_policy.node,
    aws_secretsmanager_secret_version.config,
    aws_secretsmanager_secret_version.mongodb_uri,
  ]
}

resource "aws_volume_attachment" "data" {
  count = var.run_node ? 1 : 0

  device_name = "/dev/sdf"
  volume_id   = aws_ebs_volume.data.id
  instance_id = aws_instance.node[0].id
}
