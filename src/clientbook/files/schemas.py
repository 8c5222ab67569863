import uuid
from datetime import datetime

from clientbook.kit.schemas import ResponseBody


class FileOut(ResponseBody):
    id: uuid.UUID
    customer_id: uuid.UUID
    kind: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: uuid.UUID | None
    created_at: datetime
