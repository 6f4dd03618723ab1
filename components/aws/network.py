"""VPC with private subnets for nodes in two (dev) or three (prod) zones, small public subnets
that hold only NAT gateways, one NAT in dev and one per zone in prod, an S3 gateway endpoint
for the private subnets, flow logs, and the VPC's default security group emptied of its
allow-all rules. Or the ids of an existing network, untouched."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws import policy_docs as docs


@dataclass(frozen=True, kw_only=True)
class NetworkArgs:
    region: str
    cidr: str
    zone_suffixes: tuple[str, ...]  # two in dev, three in prod
    nat_per_zone: bool  # prod: a zone outage does not cut egress for the others
    key_arn: pulumi.Input[str]
    flow_log_retention_days: int = 90
    existing_vpc_id: str | None = None
    existing_subnet_ids: tuple[str, ...] = ()


def subnet_plan(cidr: str, zones: int) -> tuple[list[str], list[str]]:
    """Private subnets get a quarter of the range each; public (NAT-only) subnets are /3 slices
    of the last quarter: 10.0.0.0/16 -> private /18s, public /21s."""
    net = ipaddress.IPv4Network(cidr)
    quarters = list(net.subnets(prefixlen_diff=2))
    private = [str(q) for q in quarters[:zones]]
    public = [str(s) for s in list(quarters[3].subnets(prefixlen_diff=3))[:zones]]
    return private, public


class Network(pulumi.ComponentResource):
    vpc_id: pulumi.Output[str]
    vpc_cidr: pulumi.Output[str]
    private_subnet_ids: pulumi.Output[list[str]]

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("mlplat:aws:Network", name, None, opts)
        if args.existing_vpc_id:
            self.vpc_id = pulumi.Output.from_input(args.existing_vpc_id)
            # Its range as AWS reports it: the blueprint's network.cidr describes a new network only.
            self.vpc_cidr = aws.ec2.get_vpc_output(
                id=args.existing_vpc_id, opts=pulumi.InvokeOutputOptions(parent=self)
            ).cidr_block
            self.private_subnet_ids = pulumi.Output.from_input(list(args.existing_subnet_ids))
            self.register_outputs({"vpcId": self.vpc_id, "privateSubnetIds": self.private_subnet_ids})
            return
        child = pulumi.ResourceOptions(parent=self)
        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            aws.ec2.VpcArgs(cidr_block=args.cidr, enable_dns_hostnames=True, enable_dns_support=True),
            opts=child,
        )
        # Every VPC comes with a default security group that allows all traffic between its
        # members and all egress. Nothing of ours uses it; managed with no rules, anything
        # launched into it by mistake can neither talk nor be reached (CIS AWS 5.4).
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg", aws.ec2.DefaultSecurityGroupArgs(vpc_id=vpc.id, ingress=[], egress=[]), opts=child
        )
        igw = aws.ec2.InternetGateway(f"{name}-igw", aws.ec2.InternetGatewayArgs(vpc_id=vpc.id), opts=child)
        public_rt = aws.ec2.RouteTable(
            f"{name}-public",
            aws.ec2.RouteTableArgs(
                vpc_id=vpc.id,
                routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=igw.id)],
            ),
            opts=child,
        )
        private_cidrs, public_cidrs = subnet_plan(args.cidr, len(args.zone_suffixes))
        nats: list[aws.ec2.NatGateway] = []
        private_ids: list[pulumi.Output[str]] = []
        private_tables: list[pulumi.Output[str]] = []
        for i, suffix in enumerate(args.zone_suffixes):
            zone = f"{args.region}{suffix}"
            public = self._subnet(f"{name}-public-{suffix}", vpc, public_cidrs[i], zone, "public")
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{suffix}",
                aws.ec2.RouteTableAssociationArgs(subnet_id=public.id, route_table_id=public_rt.id),
                opts=child,
            )
            if args.nat_per_zone or not nats:
                eip = aws.ec2.Eip(f"{name}-nat-{suffix}", aws.ec2.EipArgs(domain="vpc"), opts=child)
                nats.append(
                    aws.ec2.NatGateway(
                        f"{name}-nat-{suffix}",
                        aws.ec2.NatGatewayArgs(allocation_id=eip.id, subnet_id=public.id),
                        opts=pulumi.ResourceOptions(parent=self, depends_on=[igw]),
                    )
                )
            private = self._subnet(f"{name}-private-{suffix}", vpc, private_cidrs[i], zone, "private")
            private_rt = aws.ec2.RouteTable(
                f"{name}-private-{suffix}",
                aws.ec2.RouteTableArgs(
                    vpc_id=vpc.id,
                    routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", nat_gateway_id=nats[-1].id)],
                ),
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{suffix}",
                aws.ec2.RouteTableAssociationArgs(subnet_id=private.id, route_table_id=private_rt.id),
                opts=child,
            )
            private_ids.append(private.id)
            private_tables.append(private_rt.id)
        # Datasets and checkpoints go to S3 through a free gateway endpoint instead of the NAT
        # gateways ($0.045/GB processed there), and never leave the AWS network.
        aws.ec2.VpcEndpoint(
            f"{name}-s3",
            aws.ec2.VpcEndpointArgs(
                vpc_id=vpc.id,
                service_name=f"com.amazonaws.{args.region}.s3",
                vpc_endpoint_type="Gateway",
                route_table_ids=private_tables,
            ),
            opts=child,
        )
        self._flow_logs(name, vpc, args)
        self.vpc_id = vpc.id
        self.vpc_cidr = vpc.cidr_block
        self.private_subnet_ids = pulumi.Output.all(*private_ids)
        self.register_outputs({"vpcId": self.vpc_id, "privateSubnetIds": self.private_subnet_ids})

    def _subnet(self, name: str, vpc: aws.ec2.Vpc, cidr: str, zone: str, tier: str) -> aws.ec2.Subnet:
        # The role tags tell the AWS load balancer controller where internet-facing and internal
        # load balancers go; no subnet hands out public IPs (NAT gateways get Elastic IPs).
        role = "kubernetes.io/role/elb" if tier == "public" else "kubernetes.io/role/internal-elb"
        return aws.ec2.Subnet(
            name,
            aws.ec2.SubnetArgs(
                vpc_id=vpc.id,
                cidr_block=cidr,
                availability_zone=zone,
                map_public_ip_on_launch=False,
                tags={role: "1", "subnet-tier": tier},
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _flow_logs(self, name: str, vpc: aws.ec2.Vpc, args: NetworkArgs) -> None:
        child = pulumi.ResourceOptions(parent=self)
        group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs",
            aws.cloudwatch.LogGroupArgs(retention_in_days=args.flow_log_retention_days, kms_key_id=args.key_arn),
            opts=child,
        )
        role = aws.iam.Role(
            f"{name}-flow-logs",
            aws.iam.RoleArgs(assume_role_policy=docs.service_trust("vpc-flow-logs.amazonaws.com")),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-flow-logs",
            aws.iam.RolePolicyArgs(
                role=role.id,
                policy=group.arn.apply(
                    lambda arn: docs.document(
                        docs.allow(
                            "WriteFlowLogs",
                            ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                            [arn, f"{arn}:*"],
                        )
                    )
                ),
            ),
            opts=child,
        )
        aws.ec2.FlowLog(
            f"{name}-flow-log",
            aws.ec2.FlowLogArgs(
                vpc_id=vpc.id,
                traffic_type="ALL",
                log_destination_type="cloud-watch-logs",
                log_destination=group.arn,
                iam_role_arn=role.arn,
                max_aggregation_interval=600,
            ),
            opts=child,
        )
