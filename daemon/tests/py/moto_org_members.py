"""Give the accounts of a moto organization IAM users, each account through its own
credentials (the management account with the base keys, members through
sts:AssumeRole into OrganizationAccountAccessRole), and print what was made as JSON.

Usage: moto_org_members.py <moto url> <management account id> <member account id>...

In every account: user `escalator` whose inline policy allows iam:AttachUserPolicy on
itself (a self-escalation to admin), and user `plain` with no policy.
"""
import json
import sys

import boto3

url, management, members = sys.argv[1], sys.argv[2], sys.argv[3:]
base = dict(endpoint_url=url, region_name="us-east-1",
            aws_access_key_id="testing", aws_secret_access_key="testing")


def iam_for(account):
    if account == management:
        return boto3.client("iam", **base)
    sts = boto3.client("sts", **base)
    creds = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
        RoleSessionName="setup",
    )["Credentials"]
    return boto3.client(
        "iam", endpoint_url=url, region_name="us-east-1",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


made = {}
for account in [management] + members:
    iam = iam_for(account)
    iam.create_user(UserName="escalator")
    iam.put_user_policy(
        UserName="escalator",
        PolicyName="self-service",
        PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Action": "iam:AttachUserPolicy",
                "Resource": f"arn:aws:iam::{account}:user/escalator",
            }],
        }),
    )
    iam.create_user(UserName="plain")
    users = sorted(u["Arn"] for u in iam.list_users()["Users"])
    made[account] = users
print(json.dumps(made))
