"""core.pdf: our templates through WeasyPrint, with our static files and nothing else."""

import copy
import io
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from pypdf import PdfReader

from core import pdf

TEST_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@pytest.fixture
def test_templates(settings):
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [*templates[0]["DIRS"], TEST_TEMPLATES]
    settings.TEMPLATES = templates


@pytest.fixture
def outside_server():
    """A web server standing in for any host on the internet: it records every request."""
    requests = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", requests
    server.shutdown()
    server.server_close()


def _text(document):
    reader = PdfReader(io.BytesIO(document))
    return reader, [" ".join(page.extract_text().split()) for page in reader.pages]


def test_render_pdf_makes_a_title_page_and_the_body_on_numbered_a4_pages(test_templates):
    document = pdf.render_pdf(
        "tests/pdf_document.html",
        {"title": "Erfaringskonsulentundersøkelsen 2022", "n": 168, "outside_url": ""},
        base_url="http://testserver/",
    )
    reader, texts = _text(document)
    assert len(reader.pages) == 2
    assert "Erfaringskonsulentundersøkelsen 2022" in texts[0]
    assert "Antall svar: 168" in texts[1]
    # The body page carries its number; the title page none.
    assert "2 / 2" in texts[1]
    assert "1 / 2" not in texts[0]
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width * 25.4 / 72), round(height * 25.4 / 72)) == (210, 297)


def test_render_pdf_fetches_nothing_from_the_network(test_templates, outside_server):
    base, requests = outside_server
    document = pdf.render_pdf(
        "tests/pdf_document.html",
        {"title": "Rapport", "n": 5, "outside_url": f"{base}/x.png"},
        base_url="http://testserver/",
    )
    assert document.startswith(b"%PDF")
    assert requests == []


def test_the_fetcher_serves_static_files_of_the_site_only():
    fetcher = pdf.static_only_fetcher("http://testserver/")
    response = fetcher.fetch("http://testserver/static/css/print.css")
    assert b"@page" in response.read()
    for url in (
        "http://example.com/static/css/print.css",
        "http://testserver/admin/",
        "http://testserver/static/../erfaring/settings.py",
        "file:///etc/passwd",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
