"""Load test (issue 14): members answer the survey and read their cases, advisors work the
queue. Not part of CI; bench/README.md has the whole command (gunicorn, PostgreSQL, Redis).

    locust -f bench/locustfile.py --headless -u 50 -r 5 -t 5m \
        --host https://127.0.0.1:8443 --csv var/load

The accounts come from `manage.py bench --keep --load-accounts var/load-accounts.json`
(LOAD_ACCOUNTS names the file): a known password, and each advisor's TOTP secret.
"""

import base64
import hashlib
import hmac
import itertools
import json
import os
import re
import struct
import time
from pathlib import Path

from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

ACCOUNTS = json.loads(Path(os.environ.get("LOAD_ACCOUNTS", "var/load-accounts.json")).read_text())
MEMBERS = itertools.cycle(ACCOUNTS["members"])
ADVISORS = itertools.cycle(ACCOUNTS["advisors"])
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CASE_LINK = re.compile(r'href="(/casework/(?:my|cases)/\d+/)"')
CHOICE = re.compile(r'<input[^>]*type="(?:radio|checkbox)"[^>]*>')
NAME = re.compile(r'name="(q_[^"]+)"')
VALUE = re.compile(r'value="([^"]*)"')


def totp(secret, at=None):
    """RFC 6238 code (30 s, 6 digits, SHA-1), as an authenticator app shows it."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = struct.pack(">Q", int((at or time.time()) // 30))
    digest = hmac.new(key, counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 10**6:06d}"


class Portal(FastHttpUser):
    """geventhttpclient, not requests: with HttpUser, locust's one process used 88-94 % of a
    core at 50 users and its own queue showed in every response time (docs/performance.md).
    The server's certificate is self-signed: FastHttpUser does not verify it (`insecure`)."""

    abstract = True
    insecure = True
    # A person reads a page for 1 to 5 seconds; LOAD_WAIT="0,0.2" makes the users hurry,
    # to find what the server can do (its requests per second per core).
    wait_time = between(*(float(s) for s in os.environ.get("LOAD_WAIT", "1,5").split(",")))

    def on_start(self):
        self.login()

    def _csrf(self, response):
        found = CSRF.search(response.text)
        return found.group(1) if found else ""

    def post_form(self, url, data, name=None, page=None):
        page = page or self.client.get(url, name=name)
        data = {"csrfmiddlewaretoken": self._csrf(page), **data}
        return self.client.post(url, data, name=name, headers={"Referer": self.host + url})

    def sign_in(self, email):
        self.post_form(
            "/accounts/login/",
            {"login": email, "password": ACCOUNTS["password"]},
            name="login",
        )


class Member(Portal):
    weight = 4

    def login(self):
        self.account = next(MEMBERS)
        self.sign_in(self.account["email"])
        self.year = ACCOUNTS["year"]
        self.post_form(f"/surveys/{self.year}/", {"consent": "on"}, name="survey start")

    @task(3)
    def answer_a_survey_page(self):
        url = f"/surveys/{self.year}/page/1/"
        page = self.client.get(url, name="survey page")
        # "Later" saves the draft without requiring every answer: the first choice of each
        # choice question, the rest left blank.
        data = {"action": "later"}
        for tag in CHOICE.findall(page.text):
            name, value = NAME.search(tag), VALUE.search(tag)
            if name and value:
                data.setdefault(name.group(1), value.group(1))
        self.post_form(url, data, name="survey page POST", page=page)

    @task(2)
    def read_my_cases(self):
        listing = self.client.get("/casework/my/", name="my cases")
        for link in CASE_LINK.findall(listing.text)[:1]:
            self.client.get(link, name="my case")

    @task(1)
    def home(self):
        self.client.get("/", name="home")


class Advisor(Portal):
    weight = 1

    def login(self):
        self.account = next(ADVISORS)
        self.sign_in(self.account["email"])
        self.post_form(
            "/accounts/2fa/authenticate/",
            {"code": totp(self.account["totp_secret"])},
            name="2fa",
        )

    @task(4)
    def work_the_queue(self):
        queue = self.client.get("/casework/queue/?status=active", name="queue")
        links = CASE_LINK.findall(queue.text)
        if links:
            self.client.get(links[0], name="case detail")

    @task(1)
    def queue_page_two(self):
        self.client.get("/casework/queue/?status=all&page=2", name="queue (all, page 2)")
