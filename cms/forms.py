"""The admin image form: every uploaded image passes the pipeline's checks.

Wagtail's own field checks the extension, the upload size and the pixel
count, but lets a file that fails to decode raise out of the form (a server
error for a truncated PNG). This form turns any decoding failure into a
message, and adds what the channels rely on: the decoded format must be on
the allow list whatever the file is called, the file must decode completely,
and decompression bombs are refused with a message instead of a warning.

The file of an image that a live item uses cannot be replaced here: that
would publish a picture nobody reviewed. Title, credits and focal point can
still be edited.
"""

import struct

from django import forms
from PIL import Image
from wagtail.images.fields import WagtailImageField
from wagtail.images.forms import BaseImageForm

from media_pipeline.renditions import ImageRejected, validate_image

UNREADABLE = "无法读取该图片，文件可能已损坏。"


class CheckedImageField(WagtailImageField):
    def to_python(self, data):
        try:
            upload = super().to_python(data)
        except forms.ValidationError:
            raise
        except Image.DecompressionBombError:
            raise forms.ValidationError(
                "图片像素过多，可能是恶意构造的文件，已拒绝。", code="bomb"
            ) from None
        except (OSError, SyntaxError, ValueError, struct.error, EOFError):
            raise forms.ValidationError(UNREADABLE, code="unreadable") from None
        if upload is None or not hasattr(upload, "seek"):
            return upload
        try:
            upload.seek(0)
            validate_image(upload)
        except ImageRejected as exc:
            raise forms.ValidationError(str(exc), code="image_rejected") from None
        finally:
            upload.seek(0)
        return upload


LIVE_IMAGE_FILE_LOCKED = (
    "该图片已用于已发布的稿件，不能直接替换文件：新文件会未经审核就公开。"
    "请上传一张新图片，再在稿件中换用它（修改稿件会重新送审）。"
)


class PufaImageForm(BaseImageForm):
    file = CheckedImageField(label="文件")

    def clean(self):
        data = super().clean()
        # A public image's renditions are public the moment they are made, so
        # a new file here would reach readers without a review.
        if self.instance.pk and self.instance.is_public and "file" in self.changed_data:
            self.add_error("file", LIVE_IMAGE_FILE_LOCKED)
        return data
