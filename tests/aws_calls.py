"""Record every AWS call code makes, and check each against an IAM policy, as AWS would authorize it.

Recording: botocore's event hooks. Every botocore client created inside `recorded_aws_calls()` (boto3 clients,
pynamodb's connection, Powertools' parameter client) gets a `before-parameter-build` hook that notes the service,
the operation and its parameters; a presigned URL counts as the call it lets its holder make, a presigned POST as
the PutObject of its key. Clients created earlier are not seen, so callers reset the caches that hold
clients first (see tests/integration/test_function_permissions.py).

Authorization: each call becomes the IAM requests AWS evaluates for it (a TransactWriteItems is one PutItem /
UpdateItem / DeleteItem / ConditionCheckItem request per item on that item's table, a BatchGetItem one request per
table, a Query on an index is on `table/<name>/index/<index>` ...), and a request is allowed when an Allow statement
matches its action and resource and no Deny statement does (IAM's wildcards `*` and `?`).
"""
from __future__ import annotations

import fnmatch
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

REGION = "us-east-1"
ACCOUNT = "123456789012"

# Operations whose IAM action is not "<service>:<operation>".
_S3_ACTIONS = {"HeadObject": "GetObject", "ListObjectsV2": "ListBucket", "ListObjects": "ListBucket",
               "HeadBucket": "ListBucket"}
_TRANSACT_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                     "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}


@dataclass(frozen=True)
class AwsCall:
    service: str  # botocore service name: dynamodb, s3, sesv2, ...
    operation: str  # API operation: GetItem, TransactWriteItems, SendEmail, ...
    params: dict

    def requests(self) -> list[tuple[str, tuple[str, ...]]]:
        """The IAM requests of this call: (action, resources), where a request is allowed if any of its candidate
        resources is (an SES identity can be the address or its domain)."""
        service, op, p = self.service, self.operation, self.params
        if service == "dynamodb":
            return _dynamodb(op, p)
        if service == "s3":
            bucket, key = p.get("Bucket", ""), p.get("Key")
            resource = f"arn:aws:s3:::{bucket}/{key}" if key is not None else f"arn:aws:s3:::{bucket}"
            if op == "CopyObject":  # IAM: write the target, read the source
                source = p.get("CopySource") or {}
                source_arn = (f"arn:aws:s3:::{source.get('Bucket')}/{source.get('Key')}" if isinstance(source, dict)
                              else f"arn:aws:s3:::{str(source).lstrip('/').split('?', 1)[0]}")
                return [("s3:PutObject", (resource,)), ("s3:GetObject", (source_arn,))]
            return [(f"s3:{_S3_ACTIONS.get(op, op)}", (resource,))]
        if service == "secretsmanager":
            secret = p.get("SecretId", "")
            arn = secret if secret.startswith("arn:") else f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{secret}"
            return [(f"secretsmanager:{op}", (arn,))]
        if service in ("ses", "sesv2"):
            sender = p.get("FromEmailAddress") or p.get("Source") or ""
            identities = (sender, sender.rpartition("@")[2]) if sender else ("",)
            requests = [(f"ses:{op}", tuple(f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/{i}" for i in identities))]
            if p.get("ConfigurationSetName"):  # SES also authorizes the configuration set a mail is sent with
                requests.append((f"ses:{op}", (f"arn:aws:ses:{REGION}:{ACCOUNT}:configuration-set/"
                                               f"{p['ConfigurationSetName']}",)))
            return requests
        if service == "sns":
            # SMS to a phone number has no resource: only a statement on "*" covers it.
            return [("sns:Publish", (p["TopicArn"] if p.get("TopicArn") else "*",))]
        if service == "sqs":
            name = p.get("QueueUrl", "").rstrip("/").rsplit("/", 1)[-1]
            return [(f"sqs:{op}", (f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}",))]
        if service == "events" and op == "PutEvents":  # one request per entry, on the entry's bus
            return [("events:PutEvents", (_bus(entry.get("EventBusName")),)) for entry in p.get("Entries", [])]
        if service == "stepfunctions":  # IAM's prefix is states:; the machine or execution named in the call
            arn = p.get("stateMachineArn") or p.get("executionArn") or "*"
            return [(f"states:{op}", (arn,))]
        return [(f"{service}:{op}", ("*",))]

    def projected_attributes(self) -> frozenset[str] | None:
        """The request's `dynamodb:Attributes`: the top-level attributes a DynamoDB read names in its
        ProjectionExpression (placeholders resolved), None when it names none and so reads every attribute; for an
        UpdateItem, the key's attributes and every attribute its expressions name (pynamodb names each through a
        placeholder)."""
        if self.service == "dynamodb" and self.operation == "UpdateItem":
            return frozenset(self.params.get("Key") or {}) | frozenset(
                (self.params.get("ExpressionAttributeNames") or {}).values())
        expression = self.params.get("ProjectionExpression")
        if self.service != "dynamodb" or not expression:
            return None
        names = self.params.get("ExpressionAttributeNames") or {}
        paths = (path.strip().split(".", 1)[0].split("[", 1)[0] for path in expression.split(","))
        return frozenset(names.get(path, path) for path in paths)


def _bus(name: str | None) -> str:
    name = name or "default"
    return name if name.startswith("arn:") else f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{name}"


def _table(name: str, index: str | None = None) -> str:
    arn = name if name.startswith("arn:") else f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"
    return f"{arn}/index/{index}" if index else arn


def _dynamodb(op: str, p: dict) -> list[tuple[str, tuple[str, ...]]]:
    if op == "TransactWriteItems" or op == "TransactGetItems":
        requests = []
        for item in p.get("TransactItems", []):
            (kind, body), = item.items()
            requests.append((f"dynamodb:{_TRANSACT_ACTIONS[kind]}", (_table(body["TableName"]),)))
        return requests
    if op in ("BatchGetItem", "BatchWriteItem"):
        return [(f"dynamodb:{op}", (_table(table),)) for table in p.get("RequestItems", {})]
    return [(f"dynamodb:{op}", (_table(p.get("TableName", ""), p.get("IndexName")),))]


@contextmanager
def recorded_aws_calls() -> Iterator[list[AwsCall]]:
    """Yield a live list of the AWS calls of every botocore client created inside the block."""
    from botocore import signers
    from botocore.session import Session

    calls: list[AwsCall] = []
    original = Session.create_client
    original_post = signers.generate_presigned_post

    def record(params: dict, model: Any, context: dict | None = None, **_: Any) -> None:
        if model.name == "CreateBucket" and (context or {}).get("is_presign_request"):
            return  # botocore builds a presigned POST on CreateBucket's model: recorded below as what it allows
        calls.append(AwsCall(model.service_model.service_name, model.name, dict(params)))

    def presigned_post(self: Any, Bucket: str, Key: str, *args: Any, **kwargs: Any) -> dict:  # noqa: N803
        # The form lets a browser put that object as this role: S3 authorizes it as the role's PutObject.
        calls.append(AwsCall("s3", "PutObject", {"Bucket": Bucket, "Key": Key}))
        return original_post(self, Bucket, Key, *args, **kwargs)

    def create_client(self, *args: Any, **kwargs: Any):  # noqa: ANN202
        client = original(self, *args, **kwargs)
        client.meta.events.register("before-parameter-build.*.*", record)
        return client

    Session.create_client = create_client  # type: ignore[method-assign]
    signers.generate_presigned_post = presigned_post  # bound to each S3 client class as it is created
    try:
        yield calls
    finally:
        Session.create_client = original  # type: ignore[method-assign]
        signers.generate_presigned_post = original_post


def _listed(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _matches(patterns: Any, value: str, *, case_sensitive: bool = True) -> bool:
    for pattern in _listed(patterns):
        if case_sensitive and fnmatch.fnmatchcase(value, pattern):
            return True
        if not case_sensitive and fnmatch.fnmatchcase(value.lower(), str(pattern).lower()):
            return True
    return False


def is_allowed(statements: list[dict], action: str, resources: tuple[str, ...],
               attributes: frozenset[str] | None = None, return_values: str | None = None) -> bool:
    """IAM's evaluation for one identity policy: an explicit Deny wins, else an Allow is needed. Of the conditions,
    only DynamoDB's attribute list and return values are evaluated (`ForAllValues:StringEquals` on
    `dynamodb:Attributes`: an Allow so conditioned grants a request only when the call names its attributes,
    `attributes`, all of them listed; a read without a projection asks for every attribute;
    `StringEqualsIfExists` on `dynamodb:ReturnValues`: the call's ReturnValues, when it sends one, must be listed).
    Other conditions are not evaluated (the recorder does not see the rest of the request context): a conditional
    Deny counts as applying (the strict reading) and a conditional Allow as granting its actions on its resources,
    so the check proves the actions and resources a function needs, and those conditions narrow them further in
    AWS."""

    def applies(statement: dict, resource: str) -> bool:
        if "NotAction" in statement or "NotResource" in statement:
            raise ValueError(f"statement form not supported by this check: {statement}")
        if not (_matches(statement["Action"], action, case_sensitive=False)
                and _matches(statement["Resource"], resource)):
            return False
        condition = statement.get("Condition") or {}
        projection = (condition.get("ForAllValues:StringEquals") or {}).get("dynamodb:Attributes")
        returned = (condition.get("StringEqualsIfExists") or {}).get("dynamodb:ReturnValues")
        if statement["Effect"] == "Allow":
            if returned is not None and return_values is not None and return_values not in _listed(returned):
                return False
            if projection is not None:
                return attributes is not None and attributes <= set(_listed(projection))
        return True

    for resource in resources:
        if any(s["Effect"] == "Deny" and applies(s, resource) for s in statements):
            continue
        if any(s["Effect"] == "Allow" and applies(s, resource) for s in statements):
            return True
    return False


def policy_statements(function_properties: dict, resources: dict[str, dict], resolve: Any) -> list[dict]:
    """The statements of a SAM function's `Policies`, intrinsics resolved: inline policy documents and `!Ref` to an
    AWS::IAM::ManagedPolicy of the same template. SAM policy templates and AWS managed policies are not expanded
    here: a function that uses one must extend this check first."""
    statements: list[dict] = []
    for policy in function_properties.get("Policies", []):
        if isinstance(policy, dict) and set(policy) == {"Ref"}:
            managed = resources.get(policy["Ref"], {})
            if managed.get("Type") != "AWS::IAM::ManagedPolicy":
                raise ValueError(f"{policy['Ref']} is not a managed policy of the template")
            policy = managed["Properties"]["PolicyDocument"]
        if not isinstance(policy, dict) or "Statement" not in policy:
            raise ValueError(f"only policy documents are checked, got {policy!r}")
        statements.extend(resolve(statement) for statement in policy["Statement"])
    return statements
