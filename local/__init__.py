"""The local stack: runs the SAM application on one machine over moto, with no AWS account and no Docker.
It reads template.yaml and is an adapter only: no product logic lives here."""
