"""Create every table, bucket, queue, secret and state machine of template.yaml in the AWS that boto3 currently points
at (moto, in-process or as a server). Tests and the local stack both call this, so what is tested is what deploys."""

from __future__ import annotations

import json
import secrets
from typing import Any, Callable

from local.template import ACCOUNT_ID, REGION, Template

ClientFactory = Callable[[str], Any]


def _boto_clients() -> ClientFactory:
    import boto3

    session = boto3.session.Session(region_name=REGION)
    cache: dict[str, Any] = {}

    def get(service: str) -> Any:
        if service not in cache:
            cache[service] = session.client(service)
        return cache[service]

    return get


def create_table(client: Any, name: str, props: dict) -> None:
    request: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
    }
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes", "StreamSpecification"):
        if key in props:
            request[key] = props[key]
    if props.get("SSESpecification", {}).get("SSEEnabled"):
        # CloudFormation spells it SSEEnabled, the API Enabled.
        request["SSESpecification"] = {"Enabled": True}
    client.create_table(**request)
    ttl = props.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        client.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True}
        )


def provision(template: Template, clients: ClientFactory | None = None) -> dict[str, str]:
    """Create the resources; returns the environment every function sees (already resolved to local names)."""
    get = clients or _boto_clients()
    for logical_id, resource in template.of_type("AWS::DynamoDB::Table").items():
        create_table(get("dynamodb"), template.physical_name(logical_id), template.resolve(resource["Properties"]))
    for logical_id in template.of_type("AWS::S3::Bucket"):
        get("s3").create_bucket(Bucket=template.physical_name(logical_id))
    for logical_id in template.of_type("AWS::Events::EventBus"):
        get("events").create_event_bus(Name=template.physical_name(logical_id))
    for logical_id, resource in template.of_type("AWS::SQS::Queue").items():
        attributes = {
            k: str(v)
            for k, v in template.resolve(resource.get("Properties", {})).items()
            if k in ("MessageRetentionPeriod", "VisibilityTimeout")
        }
        response = get("sqs").create_queue(QueueName=template.physical_name(logical_id), Attributes=attributes)
        template.arns[logical_id] = get("sqs").get_queue_attributes(
            QueueUrl=response["QueueUrl"], AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
    for logical_id in template.of_type("AWS::SecretsManager::Secret"):
        # Generated here as CloudFormation's GenerateSecretString does in AWS: never written to disk or code.
        response = get("secretsmanager").create_secret(Name=logical_id, SecretString=secrets.token_urlsafe(48))
        template.arns[logical_id] = response["ARN"]
    for machine in template.state_machines():
        # The role is not enforced locally; the function policies in template.yaml are what AWS enforces.
        response = get("stepfunctions").create_state_machine(
            name=machine.name,
            definition=json.dumps(machine.definition),
            roleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/{machine.logical_id}Role",
            type=machine.type,
        )
        template.arns[machine.logical_id] = response["stateMachineArn"]
    sender = template.parameters.get("MailFrom")
    if sender:
        get("ses").verify_email_identity(EmailAddress=sender)
    return template.environment()
