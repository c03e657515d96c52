# A plain Terraform workspace that builds on a Mirovoy Mail deployment through its stack outputs
# (README, "Reusing the modules"): a monitoring host in the mail VPC's application tier that may
# reach the database, and a DNS record for it. __tests__/package/hcl-consumer.test.ts checks that
# every output read here exists in our synthesized stacks.

terraform {
  required_version = ">= 1.11.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0"
    }
  }
}

variable "environment" {
  description = "The Mirovoy environment to build on (its config's environment)"
  type        = string
}

variable "state_bucket" {
  description = "The Mirovoy state bucket (its config's state.bucket)"
  type        = string
}

variable "state_key_prefix" {
  description = "The Mirovoy state key prefix (its config's state.keyPrefix)"
  type        = string
  default     = "mirovoy-mail"
}

variable "region" {
  description = "The region of the state bucket and of the deployment"
  type        = string
}

variable "monitoring_ami_id" {
  description = "Image of the monitoring host"
  type        = string
}

provider "aws" {
  region = var.region
}

data "terraform_remote_state" "network" {
  backend = "s3"
  config = {
    bucket = var.state_bucket
    key    = "${var.state_key_prefix}/${var.environment}-network.tfstate"
    region = var.region
  }
}

data "terraform_remote_state" "database" {
  backend = "s3"
  config = {
    bucket = var.state_bucket
    key    = "${var.state_key_prefix}/${var.environment}-database.tfstate"
    region = var.region
  }
}

data "terraform_remote_state" "mail" {
  backend = "s3"
  config = {
    bucket = var.state_bucket
    key    = "${var.state_key_prefix}/${var.environment}-mail.tfstate"
    region = var.region
  }
}

resource "aws_security_group" "monitoring" {
  name        = "monitoring-${var.environment}"
  description = "Monitoring host beside Mirovoy Mail"
  vpc_id      = data.terraform_remote_state.network.outputs.vpc_id

  egress {
    description = "SMTP and IMAPS probes of the mail hosts"
    from_port   = 25
    to_port     = 993
    protocol    = "tcp"
    cidr_blocks = [data.terraform_remote_state.network.outputs.vpc_cidr]
  }
}

# The database group admits only the groups Mirovoy names; a rule of ours adds the monitoring host.
resource "aws_vpc_security_group_ingress_rule" "database_from_monitoring" {
  security_group_id            = data.terraform_remote_state.network.outputs.database_security_group_id
  referenced_security_group_id = aws_security_group.monitoring.id
  from_port                    = data.terraform_remote_state.database.outputs.database_port
  to_port                      = data.terraform_remote_state.database.outputs.database_port
  ip_protocol                  = "tcp"
  description                  = "MySQL from the monitoring host"
}

resource "aws_instance" "monitoring" {
  ami                    = var.monitoring_ami_id
  instance_type          = "t4g.micro"
  subnet_id              = data.terraform_remote_state.network.outputs.application_subnet_ids[0]
  vpc_security_group_ids = [aws_security_group.monitoring.id]
  metadata_options {
    http_tokens = "required"
  }
  tags = {
    Name       = "monitoring-${var.environment}"
    MailHost   = data.terraform_remote_state.mail.outputs.primary_hostname
    MailDbHost = data.terraform_remote_state.database.outputs.database_address
  }
}

output "monitored_mail_ips" {
  description = "The public addresses the monitoring host probes"
  value       = [data.terraform_remote_state.mail.outputs.primary_public_ip]
}
