"""Hot-folder delivery never shows a partial file, over FTP, S3 and local paths."""

import os
import threading

import boto3
import pytest
from moto.server import ThreadedMotoServer
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler, ThrottledDTPHandler
from pyftpdlib.servers import ThreadedFTPServer

from channels.newspaper.hotfolder import HotFolderError, deliver_files, open_hot_folder
from channels.newspaper.newsml import PackageFile

PAYLOAD = os.urandom(3 * 1024 * 1024)


@pytest.fixture
def ftp_server(tmp_path):
    root = tmp_path / "ftp-root"
    (root / "inbox").mkdir(parents=True)
    authorizer = DummyAuthorizer()
    authorizer.add_user("paper", "s3cret-Pass", str(root), perm="elradfmwMT")

    class Throttled(ThrottledDTPHandler):
        # Slow enough that the watcher lists the folder many times per upload.
        read_limit = 4 * 1024 * 1024

    class Handler(FTPHandler):
        dtp_handler = Throttled
        passive_ports = None

    Handler.authorizer = authorizer
    server = ThreadedFTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"timeout": 0.05})
    thread.daemon = True
    thread.start()
    yield server.address[1], root / "inbox"
    server.close_all()
    thread.join(5)


class FolderWatcher(threading.Thread):
    """Lists a folder as fast as it can, as a newspaper's pickup job would."""

    def __init__(self, path, sizes):
        super().__init__(daemon=True)
        self.path, self.sizes = path, sizes
        self.stop = threading.Event()
        self.seen_names = set()
        self.partial = []

    def run(self):
        while not self.stop.is_set():
            for entry in os.scandir(self.path):
                self.seen_names.add(entry.name)
                expected = self.sizes.get(entry.name)
                if expected is None:
                    continue
                size = entry.stat().st_size
                if size != expected:
                    self.partial.append((entry.name, size))


def test_ftp_upload_never_shows_a_partial_file(ftp_server):
    port, inbox = ftp_server
    files = [
        PackageFile("pufa-article-1-v1-1.jpg", PAYLOAD, "image/jpeg"),
        PackageFile("pufa-article-1-v1.xml", b"<newsItem/>" * 1000, "application/xml"),
    ]
    watcher = FolderWatcher(inbox, {f.name: len(f.data) for f in files})
    watcher.start()

    folder = open_hot_folder(
        f"ftp://127.0.0.1:{port}/inbox",
        {"username": "paper", "password": "s3cret-Pass"},
    )
    with folder:
        written = deliver_files(folder, files)
    watcher.stop.set()
    watcher.join()

    assert written == [f.name for f in files]
    assert watcher.partial == []
    # The watcher ran while data was still arriving under the temporary name.
    assert any(name.endswith(".part") for name in watcher.seen_names)
    assert sorted(os.listdir(inbox)) == sorted(f.name for f in files)
    assert (inbox / files[0].name).read_bytes() == PAYLOAD


def test_ftp_redelivery_replaces_the_file(ftp_server):
    port, inbox = ftp_server
    url = f"ftp://127.0.0.1:{port}/inbox/"
    credentials = {"username": "paper", "password": "s3cret-Pass"}

    with open_hot_folder(url, credentials) as folder:
        folder.put("story.xml", b"one")
        folder.put("story.xml", b"two")
        assert folder.names() == ["story.xml"]

    assert (inbox / "story.xml").read_bytes() == b"two"


def test_ftp_wrong_password_is_a_permanent_error(ftp_server):
    port, _ = ftp_server
    folder = open_hot_folder(
        f"ftp://127.0.0.1:{port}/inbox", {"username": "paper", "password": "wrong"}
    )
    with pytest.raises(HotFolderError) as caught:
        folder.put("story.xml", b"x")
    assert caught.value.transient is False
    assert "FTP" in caught.value.message


def test_unreachable_ftp_is_a_transient_error():
    folder = open_hot_folder("ftp://127.0.0.1:9/inbox", {})
    with pytest.raises(HotFolderError) as caught:
        folder.put("story.xml", b"x")
    assert caught.value.transient is True


def test_local_folder_never_shows_a_partial_file(tmp_path):
    inbox = tmp_path / "hot"
    inbox.mkdir()
    big = PackageFile("big.jpg", os.urandom(32 * 1024 * 1024), "image/jpeg")
    watcher = FolderWatcher(inbox, {big.name: len(big.data)})
    watcher.start()

    deliver_files(open_hot_folder(str(inbox)), [big])
    watcher.stop.set()
    watcher.join()

    assert watcher.partial == []
    assert os.listdir(inbox) == ["big.jpg"]


@pytest.fixture
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def test_s3_prefix_holds_only_complete_objects(s3_endpoint):
    credentials = {
        "endpoint_url": s3_endpoint,
        "access_key": "testing",
        "secret_key": "testing",
        "region": "us-east-1",
    }
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket="paper")

    folder = open_hot_folder("s3://paper/hot/pufa", credentials)
    deliver_files(folder, [PackageFile("a.xml", b"<a/>", "application/xml")])

    keys = [o["Key"] for o in client.list_objects_v2(Bucket="paper")["Contents"]]
    assert keys == ["hot/pufa/a.xml"]
    assert folder.read("a.xml") == b"<a/>"


def test_unknown_scheme_is_refused():
    with pytest.raises(HotFolderError) as caught:
        open_hot_folder("gopher://paper/hot")
    assert caught.value.transient is False
