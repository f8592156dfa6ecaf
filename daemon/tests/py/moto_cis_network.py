"""Create the security groups of the scheduled CIS test in moto with boto3, and print
their ids as JSON.

Usage: moto_cis_network.py <moto url>

In us-east-1, in a new VPC 10.9.0.0/16: group `ssh-open` allowing 22/tcp from anywhere
(the CIS 5.2 violation) and group `https-only` allowing 443/tcp from anywhere.
"""
import json
import sys

import boto3

ec2 = boto3.client("ec2", endpoint_url=sys.argv[1], region_name="us-east-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
groups = {}
for name, description, port in [("ssh-open", "ssh from anywhere", 22), ("https-only", "443", 443)]:
    group = ec2.create_security_group(GroupName=name, Description=description, VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpProtocol="tcp", FromPort=port,
                                         ToPort=port, CidrIp="0.0.0.0/0")
    groups[name] = group
print(json.dumps({"vpc": vpc, "groups": groups}))
