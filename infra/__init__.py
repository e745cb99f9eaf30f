"""minyi's CDK app: every AWS resource, built from the same definitions as the local stack."""
