"""The admin image form: every uploaded image passes the pipeline's checks.

Wagtail's own field checks the extension, the upload size and the pixel
count, but lets a file that fails to decode raise out of the form (a server
error for a truncated PNG). This form turns any decoding failure into a
message, and adds what the channels rely on: the decoded format must be on
the allow list whatever the file is called, the file must decode completely,
and decompression bombs are refused with a message instead of a warning.
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


class PufaImageForm(BaseImageForm):
    file = CheckedImageField(label="文件")
