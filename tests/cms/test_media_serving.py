import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages

pytestmark = pytest.mark.django_db


def test_public_files_are_served_and_private_ones_are_not(client):
    public_name = storages["public"].save("demo/notice.txt", ContentFile(b"public"))
    private_name = storages["private"].save("demo/secret.txt", ContentFile(b"secret"))

    response = client.get(f"/media/{public_name}")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"public"
    assert client.get(f"/media/{private_name}").status_code == 404
    traversal = client.get("/media/../private/" + private_name)
    assert traversal.status_code in (400, 404)
