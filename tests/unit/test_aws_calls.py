"""The IAM check of tests/integration/test_function_permissions.py: how a recorded call becomes IAM requests, and
how a policy allows or refuses them (so that check can fail for the right reasons)."""
from __future__ import annotations

from tests.aws_calls import AwsCall, is_allowed, policy_statements

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/TicketsTable"
QUEUE = "arn:aws:dynamodb:us-east-1:123456789012:table/TicketQueueTable"


def test_a_transaction_is_one_request_per_item_on_its_table():
    call = AwsCall("dynamodb", "TransactWriteItems", {"TransactItems": [
        {"Update": {"TableName": "TicketsTable"}}, {"Put": {"TableName": "TicketQueueTable"}},
        {"ConditionCheck": {"TableName": "TicketsTable"}},
    ]})
    assert call.requests() == [("dynamodb:UpdateItem", (TABLE,)), ("dynamodb:PutItem", (QUEUE,)),
                               ("dynamodb:ConditionCheckItem", (TABLE,))]


def test_a_query_on_an_index_is_on_the_index_and_a_batch_get_on_each_table():
    query = AwsCall("dynamodb", "Query", {"TableName": "TicketsTable", "IndexName": "WaitingTickets"})
    assert query.requests() == [("dynamodb:Query", (f"{TABLE}/index/WaitingTickets",))]
    batch = AwsCall("dynamodb", "BatchGetItem", {"RequestItems": {"TicketsTable": {}, "TicketQueueTable": {}}})
    assert batch.requests() == [("dynamodb:BatchGetItem", (TABLE,)), ("dynamodb:BatchGetItem", (QUEUE,))]


def test_other_services_name_their_resource():
    assert AwsCall("s3", "GetObject", {"Bucket": "mail", "Key": "inbound/x"}).requests() == [
        ("s3:GetObject", ("arn:aws:s3:::mail/inbound/x",))]
    assert AwsCall("sesv2", "SendEmail", {"FromEmailAddress": "support@example.com"}).requests() == [
        ("ses:SendEmail", ("arn:aws:ses:us-east-1:123456789012:identity/support@example.com",
                           "arn:aws:ses:us-east-1:123456789012:identity/example.com"))]
    assert AwsCall("s3", "CopyObject", {"Bucket": "mail", "Key": "attachments/T-1/A-1", "CopySource": {
        "Bucket": "mail", "Key": "quarantine/Q-1/A-1"}}).requests() == [
        ("s3:PutObject", ("arn:aws:s3:::mail/attachments/T-1/A-1",)),
        ("s3:GetObject", ("arn:aws:s3:::mail/quarantine/Q-1/A-1",))]
    # a mail sent through a configuration set needs the permission on that set too
    assert AwsCall("sesv2", "SendEmail", {"FromEmailAddress": "support@example.com",
                                          "ConfigurationSetName": "MailConfigurationSet"}).requests()[1] == (
        "ses:SendEmail", ("arn:aws:ses:us-east-1:123456789012:configuration-set/MailConfigurationSet",))
    assert AwsCall("sns", "Publish", {"PhoneNumber": "+8613800138000"}).requests() == [("sns:Publish", ("*",))]
    assert AwsCall("sqs", "SendMessage", {"QueueUrl": "http://localhost/123456789012/Dlq"}).requests() == [
        ("sqs:SendMessage", ("arn:aws:sqs:us-east-1:123456789012:Dlq",))]
    # PutEvents is authorized per entry on the entry's bus (by name or ARN; no name is the default bus)
    bus = "arn:aws:events:us-east-1:123456789012:event-bus/"
    put = AwsCall("events", "PutEvents", {"Entries": [{"EventBusName": "shop-orders"}, {"EventBusName": f"{bus}other"},
                                                      {}]})
    assert put.requests() == [("events:PutEvents", (f"{bus}shop-orders",)), ("events:PutEvents", (f"{bus}other",)),
                              ("events:PutEvents", (f"{bus}default",))]


def test_a_request_needs_a_matching_allow_and_no_matching_deny():
    statements = [
        {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query"], "Resource": [TABLE, f"{TABLE}/index/*"]},
        {"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"},
        {"Effect": "Deny", "Action": "sns:Publish", "Resource": "arn:aws:sns:*:*:*"},
    ]
    assert is_allowed(statements, "dynamodb:GetItem", (TABLE,))
    assert is_allowed(statements, "DynamoDB:Query", (f"{TABLE}/index/CustomerTickets",))  # actions ignore case
    assert not is_allowed(statements, "dynamodb:PutItem", (TABLE,))  # action not granted
    assert not is_allowed(statements, "dynamodb:GetItem", (QUEUE,))  # resource not granted
    assert is_allowed(statements, "sns:Publish", ("*",))  # SMS to a number
    assert not is_allowed(statements, "sns:Publish", ("arn:aws:sns:us-east-1:123456789012:topic",))  # denied
    # One allowed identity is enough (SES: the address or its domain)
    assert is_allowed([{"Effect": "Allow", "Action": "ses:SendEmail", "Resource": "arn:identity/example.com"}],
                      "ses:SendEmail", ("arn:identity/a@example.com", "arn:identity/example.com"))


def test_inline_documents_and_the_templates_managed_policies_are_read_and_nothing_else():
    resources = {"Shared": {"Type": "AWS::IAM::ManagedPolicy",
                            "Properties": {"PolicyDocument": {"Statement": [{"Effect": "Deny"}]}}},
                 "Table": {"Type": "AWS::DynamoDB::Table"}}
    policies = {"Policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]}, {"Ref": "Shared"}]}
    resolved = policy_statements(policies, resources, lambda statement: {**statement, "resolved": True})
    assert resolved == [{"Effect": "Allow", "resolved": True}, {"Effect": "Deny", "resolved": True}]
    for unsupported in ("AWSLambdaBasicExecutionRole", {"DynamoDBReadPolicy": {"TableName": "x"}}, {"Ref": "Table"}):
        try:
            policy_statements({"Policies": [unsupported]}, resources, lambda statement: statement)
        except ValueError:
            continue
        raise AssertionError(f"{unsupported!r} was accepted")


def test_an_attribute_projection_condition_allows_only_reads_that_name_allowed_attributes():
    accounts = "arn:aws:dynamodb:us-east-1:123456789012:table/AccountsTable"
    statements = [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": accounts, "Condition": {
        "ForAllValues:StringEquals": {"dynamodb:Attributes": ["account_id", "email", "language"]},
        "StringEqualsIfExists": {"dynamodb:Select": "SPECIFIC_ATTRIBUTES"}}}]
    projected = AwsCall("dynamodb", "GetItem", {"TableName": "AccountsTable", "ProjectionExpression": "#0, email",
                                                "ExpressionAttributeNames": {"#0": "account_id"}})
    everything = AwsCall("dynamodb", "GetItem", {"TableName": "AccountsTable"})
    too_much = AwsCall("dynamodb", "GetItem", {"TableName": "AccountsTable",
                                               "ProjectionExpression": "email, password_hash"})
    assert projected.projected_attributes() == {"account_id", "email"}
    assert everything.projected_attributes() is None

    def allowed(call: AwsCall) -> bool:
        ((action, resources),) = call.requests()
        return is_allowed(statements, action, resources, call.projected_attributes())

    assert allowed(projected)
    assert not allowed(everything)  # no projection reads the password hash too
    assert not allowed(too_much)


def test_a_write_only_update_is_allowed_only_within_its_attributes_and_without_reading_the_item_back():
    # Given MailEventsFunction's statement: UpdateItem on accounts within four attributes, returning nothing
    accounts = "arn:aws:dynamodb:us-east-1:123456789012:table/AccountsTable"
    statements = [{"Effect": "Allow", "Action": "dynamodb:UpdateItem", "Resource": accounts, "Condition": {
        "ForAllValues:StringEquals": {"dynamodb:Attributes": ["account_id", "email", "undeliverable_email",
                                                              "undeliverable_reason"]},
        "StringEqualsIfExists": {"dynamodb:ReturnValues": "NONE"}}}]

    def update(names: dict, return_values: str) -> bool:
        call = AwsCall("dynamodb", "UpdateItem", {"TableName": "AccountsTable", "Key": {"account_id": {"S": "a"}},
                                                  "ExpressionAttributeNames": names, "ReturnValues": return_values})
        ((action, resources),) = call.requests()
        return is_allowed(statements, action, resources, call.projected_attributes(), call.params["ReturnValues"])

    # When it sets the mark under a condition on the address, reading nothing back: allowed
    marks = {"#0": "undeliverable_email", "#1": "undeliverable_reason", "#2": "account_id", "#3": "email"}
    assert update(marks, "NONE")
    # Then pynamodb's default (the whole item back: the password hash too) and any other attribute are refused
    assert not update(marks, "ALL_NEW")
    assert not update({**marks, "#4": "password_hash"}, "NONE")


def test_a_presigned_post_is_recorded_as_the_put_it_allows():
    import boto3

    from tests.aws_calls import recorded_aws_calls

    # Given a presigned POST signed with the function's role (botocore builds it on CreateBucket's model, locally)
    with recorded_aws_calls() as calls:
        s3 = boto3.session.Session(region_name="us-east-1", aws_access_key_id="k",
                                   aws_secret_access_key="s").client("s3")
        s3.generate_presigned_post("mail", "attachments/T-1/A-1", ExpiresIn=300)
    # Then it is checked as the PutObject of that key, not as a CreateBucket
    assert [(c.operation, c.params) for c in calls] == [("PutObject", {"Bucket": "mail", "Key": "attachments/T-1/A-1"})]
