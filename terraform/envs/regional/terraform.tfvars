# Example values: replace every one, and apply once per non-home region, each in its own workspace:
#   terraform workspace select -or-create prod-eu-central-1
#   terraform apply -var region=eu-central-1
region              = "eu-central-1"
security_account_id = "111111111111"
environment         = "prod"

# `terraform output -raw event_bus_arn` in terraform/envs/prod.
home_event_bus_arn = "arn:aws:events:eu-west-1:111111111111:event-bus/default"
