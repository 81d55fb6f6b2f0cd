# Example values for the dev environment: replace every one before `terraform plan`.
region              = "eu-west-1"
security_account_id = "111111111111"
organization_id     = "o-exampleorg1"

# Accounts in these OUs get the member role (cordon-member-dev) through a StackSet.
member_organizational_unit_ids = ["ou-ab12-devaccts"]

# Any random string shared by the worker and the member roles, e.g. `openssl rand -hex 16`.
member_external_id = "replace-with-a-random-dev-external-id"

notification_emails = ["security-oncall@example.com"]

# SELF when applying from the management account; DELEGATED_ADMIN from a StackSets delegated administrator.
stackset_call_as = "DELEGATED_ADMIN"
