"""The federation's topics and the focus policies of 2025 (see docs/vocabulary.md). Admins edit them later."""

from datetime import date

from django.db import migrations

TOPICS = [
    ("CHINH_TRI", "Chính trị, xây dựng Đảng và hệ thống chính trị"),
    ("CHINH_SACH_PL", "Chính sách, pháp luật mới"),
    ("TIEN_LUONG", "Tiền lương, thu nhập, thưởng"),
    ("VIEC_LAM", "Việc làm, cắt giảm lao động, nợ lương"),
    ("BHXH", "Bảo hiểm xã hội, y tế, thất nghiệp"),
    ("NHA_O", "Nhà ở, nhà trọ, thiết chế công đoàn"),
    ("GIA_CA", "Giá cả, đời sống, an sinh"),
    ("QHLD", "Quan hệ lao động, tranh chấp, ngừng việc tập thể"),
    ("ATVSLD", "An toàn, vệ sinh lao động"),
    ("GIAO_DUC_Y_TE", "Giáo dục, y tế"),
    ("GIAO_THONG", "Giao thông, trật tự an toàn xã hội"),
    ("MOI_TRUONG", "Môi trường, thiên tai, dịch bệnh"),
    ("CONG_DOAN", "Hoạt động công đoàn"),
    ("QUOC_TE", "Quốc tế, đối ngoại"),
    ("TIN_XAU_DOC", "Tin giả, tin xấu độc, luận điệu xuyên tạc"),
    ("KHAC", "Khác"),
]

FOCUS_POLICIES = [
    (
        "nq18-sap-xep-bo-may",
        "Sắp xếp, tinh gọn tổ chức bộ máy theo Nghị quyết 18-NQ/TW",
        "CHINH_TRI",
        date(2024, 12, 1),
    ),
    (
        "tt29-dung-day-them-co-thu-tien",
        "Dừng dạy thêm có thu tiền trong nhà trường (Thông tư 29/2024/TT-BGDĐT)",
        "GIAO_DUC_Y_TE",
        date(2025, 2, 14),
    ),
    (
        "nd168-xu-phat-giao-thong",
        "Mức xử phạt vi phạm hành chính về giao thông (Nghị định 168/2024/NĐ-CP)",
        "GIAO_THONG",
        date(2025, 1, 1),
    ),
    ("luat-thu-do-2024", "Luật Thủ đô 2024", "CHINH_SACH_PL", date(2025, 1, 1)),
]


def seed(apps, schema_editor):
    Topic = apps.get_model("reports", "Topic")
    FocusPolicy = apps.get_model("reports", "FocusPolicy")
    topics = {}
    for order, (code, name) in enumerate(TOPICS):
        topics[code], _ = Topic.objects.get_or_create(code=code, defaults={"name": name, "order": order})
    for code, name, topic, started in FOCUS_POLICIES:
        FocusPolicy.objects.get_or_create(
            code=code, defaults={"name": name, "topic": topics[topic], "started_on": started}
        )


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
