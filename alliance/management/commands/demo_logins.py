"""Prints where the site is served and the demo logins (used by `make run`)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from alliance.demo import DEMO_PASSWORD, NAMED_MEMBERS, STAFF_USERNAME
from alliance.models import Member


class Command(BaseCommand):
    help = "Print the site's URLs and the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args: Any, **options: Any) -> None:
        base = f"http://{options['host']}:{options['port']}"
        lines = [
            "",
            "七彩巧妇联盟 / Qicai Qiaofu Alliance",
            f"  Home            {base}/",
            f"  Log in          {base}/accounts/login/",
            f"  Seller desk     {base}/seller/",
            f"  Staff desk      {base}/staff/",
            f"  Admin           {base}/admin/",
            f"  Health check    {base}/healthz",
            "",
            f"Demo logins (password for all: {DEMO_PASSWORD})",
            f"  staff           {STAFF_USERNAME}  (federation staff; 2FA off outside production)",
        ]
        members = Member.objects.filter(mobile__in=NAMED_MEMBERS, user__isnull=False)
        for member in members.order_by("mobile"):
            roles = ", ".join(member.role_labels)
            lines.append(f"  {member.mobile}     {member.name} ({roles})")
        lines.append("")
        self.stdout.write("\n".join(lines))
