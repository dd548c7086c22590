"""Demo reports for `seed_demo`: a few thousand reports in Vietnamese with their timelines, and tracked rumours.

Called after the roster (settings.DEMO_SEEDERS). Idempotent: the demo reports carry client tokens
in a fixed uuid5 namespace, and when the first one exists nothing is added. Everything is written
with bulk_create (a few seconds on SQLite), so what save() and the services would do is done here:
search_text is folded, timestamps are set in the past, the rumours' sighting figures are recounted
with the same aggregate as reports.services._rumour_recount, and the authors' reporting facts (one per
person and period of a first sending) are recorded as the reports service records them.
No notification is sent: submitted reports older than REPORT_OVERDUE_HOURS are marked as already
flagged, so the periodic task does not wake up on demo data.

The texts describe opinions, never the people who voiced them: no worker is named.
"""

import random
import uuid
from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, Max, Min
from django.utils import timezone

from collaborators.models import CollaboratorStatus, Role, Unit, User
from collaborators.services.people import reporting_activities_record
from reports.models import (
    AlertLevel,
    Breadth,
    Concern,
    Direction,
    EventKind,
    FocusPolicy,
    Report,
    ReportEvent,
    ReportKind,
    ReportStatus,
    Rumour,
    Source,
    Spread,
    Topic,
    Verification,
)

# The test suite lowers this to keep seed_demo quick.
REPORT_COUNT = 3000
DAYS = 548  # the last 18 months
NAMESPACE = uuid.UUID("6f1c2b0e-4d7a-5b8e-9c21-0a4e5d3f7b19")  # demo client tokens: uuid5(NAMESPACE, "report-<n>")
DEMO_AUTHORS = ("collab1", "collab2")
PER_DEMO_AUTHOR = 24


def demo_token(n: int) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"report-{n}")


# --- texts ---------------------------------------------------------------------------------------
# {Who}/{who}: the people the collaborator works among, from the unit ("Công nhân", "Giáo viên"...).

TOPIC_WEIGHTS = {
    "TIEN_LUONG": 12, "VIEC_LAM": 10, "BHXH": 9, "GIA_CA": 8, "CHINH_SACH_PL": 6, "NHA_O": 6, "QHLD": 6,
    "ATVSLD": 5, "GIAO_DUC_Y_TE": 6, "GIAO_THONG": 5, "CHINH_TRI": 5, "MOI_TRUONG": 4, "CONG_DOAN": 5,
    "QUOC_TE": 2, "TIN_XAU_DOC": 3, "KHAC": 2,
}  # fmt: skip
KIND_WEIGHTS = {ReportKind.OPINION: 10, ReportKind.QUESTION: 3, ReportKind.PROPOSAL: 3, ReportKind.HOT_SPOT: 1}

TEMPLATES = {
    "TIEN_LUONG": [
        ("opinion", "{Who} băn khoăn về việc điều chỉnh lương tối thiểu vùng từ 01/01/2026",
         "Nhiều ý kiến cho rằng mức tăng lương tối thiểu vùng là cần thiết nhưng chưa theo kịp giá thuê nhà trọ, "
         "điện nước và chi phí nuôi con nhỏ. {Who} lo doanh nghiệp cắt bớt phụ cấp chuyên cần, tiền ăn ca để bù "
         "vào phần tăng lương."),
        ("opinion", "{Who} phấn khởi khi đơn vị công bố sớm mức thưởng Tết",
         "Đơn vị thông báo mức thưởng Tết tương đương một tháng lương và hỗ trợ vé xe về quê. Tâm trạng chung phấn "
         "khởi, yên tâm làm việc đến cuối năm; một số ý kiến mong được biết sớm lịch nghỉ Tết."),
        ("opinion", "{Who} cho rằng thu nhập thực tế giảm do làm thêm giờ ít đi",
         "Đơn hàng giảm nên số giờ làm thêm chỉ còn khoảng một nửa so với cùng kỳ. Thu nhập bình quân giảm 1-1,5 "
         "triệu đồng mỗi tháng, nhiều người phải tìm thêm việc làm ngoài giờ."),
        ("question", "{Who} hỏi cách tính lương làm thêm giờ vào ngày nghỉ lễ",
         "{Who} chưa rõ làm thêm vào ngày lễ được trả 300% hay 400% và tiền lương ngày lễ có được cộng thêm hay "
         "không. Đề nghị công đoàn cấp trên hướng dẫn để giải thích thống nhất."),
        ("proposal", "Đề nghị công khai quy chế trả lương, thưởng tại đơn vị",
         "{Who} đề nghị đơn vị công khai quy chế trả lương, thưởng và cách chấm điểm thi đua, để tránh thắc mắc "
         "khi mức thưởng giữa các bộ phận chênh lệch."),
        ("hot_spot", "{Who} tập trung phản đối việc chậm trả lương tháng",
         "Đến ngày 15 đơn vị vẫn chưa trả lương tháng trước. Khoảng vài chục người tập trung trước cổng văn phòng "
         "đề nghị gặp lãnh đạo; công đoàn cơ sở đang đối thoại, chưa có ngừng việc."),
    ],
    "VIEC_LAM": [
        ("opinion", "{Who} lo lắng trước thông tin đơn hàng giảm mạnh cuối năm",
         "Bộ phận sản xuất được thông báo giảm ca, nghỉ luân phiên. {Who} lo mất việc hoặc bị chuyển sang hợp đồng "
         "thời vụ, tâm lý không ổn định."),
        ("opinion", "{Who} đồng tình với chính sách hỗ trợ đào tạo lại cho lao động bị cắt giảm",
         "Nhiều ý kiến đánh giá cao việc đơn vị phối hợp với trung tâm dịch vụ việc làm mở lớp đào tạo lại nghề, "
         "mong thời gian học được bố trí ngoài giờ làm việc."),
        ("question", "{Who} hỏi về chế độ trợ cấp khi doanh nghiệp giảm lao động",
         "{Who} muốn biết khi bị chấm dứt hợp đồng do thay đổi cơ cấu thì được trợ cấp mất việc làm như thế nào, "
         "và có được hưởng bảo hiểm thất nghiệp cùng lúc không."),
        ("hot_spot", "Doanh nghiệp thông báo cho thôi việc hàng loạt, {who} bức xúc",
         "Doanh nghiệp thông báo chấm dứt hợp đồng với khoảng 200 lao động trong tháng tới nhưng chưa trao đổi với "
         "công đoàn cơ sở. {Who} bức xúc, có ý kiến rủ nhau nghỉ việc tập thể."),
        ("proposal", "Đề nghị tổ chức phiên giao dịch việc làm tại khu công nghiệp",
         "{Who} mất việc mong có phiên giao dịch việc làm ngay tại khu công nghiệp vào ngày nghỉ, để không phải "
         "xin nghỉ làm đi tìm việc."),
    ],
    "BHXH": [
        ("opinion", "{Who} lo ngại quy định mới về rút bảo hiểm xã hội một lần",
         "Nhiều người chưa hiểu rõ quy định của Luật Bảo hiểm xã hội 2024, lo sau này không được rút một lần khi "
         "nghỉ việc. Một số có ý định nghỉ việc để rút trước."),
        ("opinion", "{Who} đồng tình với việc giảm số năm đóng bảo hiểm tối thiểu để hưởng lương hưu",
         "Ý kiến chung đồng tình với việc giảm số năm đóng tối thiểu từ 20 xuống 15 năm, cho rằng phù hợp với "
         "người vào làm muộn; mong được tuyên truyền cụ thể hơn."),
        ("question", "{Who} hỏi về chế độ thai sản khi đơn vị chậm đóng bảo hiểm",
         "Một số lao động nữ hỏi nếu đơn vị nợ bảo hiểm xã hội thì có bị ảnh hưởng chế độ thai sản không, và cần "
         "làm gì để bảo vệ quyền lợi."),
        ("proposal", "Đề nghị tăng cường đối thoại về chính sách bảo hiểm thất nghiệp",
         "{Who} đề nghị cơ quan bảo hiểm xã hội phối hợp công đoàn tổ chức đối thoại, giải đáp trực tiếp về bảo "
         "hiểm thất nghiệp và bảo hiểm xã hội tự nguyện."),
    ],
    "GIA_CA": [
        ("opinion", "{Who} lo lắng giá thực phẩm tăng cao dịp cuối năm",
         "Giá thịt, rau xanh ở các chợ gần nơi ở tăng 10-20% so với tháng trước. {Who} phải thắt chặt chi tiêu, "
         "nhất là các gia đình có con nhỏ."),
        ("opinion", "{Who} băn khoăn về việc điều chỉnh giá điện sinh hoạt",
         "Tiền điện tháng cao điểm tăng đáng kể; người ở trọ bị chủ nhà tính giá cao hơn giá nhà nước quy định. "
         "Mong có kiểm tra việc thu tiền điện tại các khu trọ."),
        ("proposal", "Đề nghị mở rộng điểm bán hàng bình ổn giá cho đoàn viên",
         "{Who} đánh giá cao chương trình \"Phiên chợ Công đoàn\", đề nghị tổ chức thường xuyên hơn và mở thêm "
         "điểm bán gần khu nhà trọ."),
    ],
    "CHINH_SACH_PL": [
        ("opinion", "{Who} quan tâm đến chính sách giảm thuế thu nhập cá nhân",
         "Nhiều ý kiến đồng tình với đề xuất nâng mức giảm trừ gia cảnh, cho rằng mức cũ không còn phù hợp với "
         "giá cả hiện nay."),
        ("question", "{Who} hỏi về thủ tục cấp đổi căn cước cho người ở trọ",
         "{Who} ở trọ, thường trú ở tỉnh khác, hỏi có làm được thủ tục tại nơi tạm trú không và có phải xin nghỉ "
         "làm nhiều buổi không."),
    ],
    "NHA_O": [
        ("opinion", "{Who} mong chờ dự án nhà ở xã hội cho công nhân",
         "Thông tin về dự án nhà ở xã hội gần khu công nghiệp được nhiều người quan tâm, nhưng lo điều kiện xét "
         "duyệt phức tạp và giá bán vượt khả năng."),
        ("opinion", "{Who} phản ánh giá thuê phòng trọ tăng sau khi sáp nhập phường",
         "Chủ trọ tăng giá thuê 200-300 nghìn đồng mỗi phòng, lấy lý do sửa chữa; nhiều gia đình phải chuyển đi "
         "xa hơn nơi làm việc."),
        ("hot_spot", "Khu nhà trọ của {who} có nguy cơ cháy do đấu nối điện tạm bợ",
         "Khu trọ khoảng 60 phòng có hệ thống điện đấu nối tạm, không có lối thoát hiểm. {Who} lo ngại, đề nghị "
         "chính quyền kiểm tra ngay."),
        ("proposal", "Đề nghị xây dựng nhà trẻ cho con công nhân gần khu nhà trọ",
         "{Who} có con nhỏ gặp khó khăn khi gửi trẻ vì làm ca; đề nghị có nhóm trẻ công đoàn hoặc hỗ trợ tiền gửi "
         "trẻ."),
    ],
    "QHLD": [
        ("opinion", "{Who} chưa hài lòng với cách quản lý của tổ trưởng sản xuất",
         "Một số ý kiến cho rằng tổ trưởng nói năng thiếu tôn trọng, phân công làm thêm không công bằng. Công đoàn "
         "cơ sở đã phản ánh với phòng nhân sự."),
        ("hot_spot", "{Who} một phân xưởng ngừng việc tập thể phản đối định mức mới",
         "Sáng nay khoảng 150 người của một phân xưởng không vào ca, phản đối việc tăng định mức sản phẩm mà không "
         "tăng đơn giá. Công đoàn cơ sở và lãnh đạo doanh nghiệp đang đối thoại."),
        ("proposal", "Đề nghị tổ chức đối thoại định kỳ về thỏa ước lao động tập thể",
         "{Who} mong được tham gia góp ý sửa đổi thỏa ước lao động tập thể, nhất là các điều khoản về tiền ăn ca "
         "và hỗ trợ nhà trọ."),
    ],
    "ATVSLD": [
        ("opinion", "{Who} phản ánh nhà xưởng nóng bức trong những ngày cao điểm",
         "Nhiệt độ trong xưởng có lúc trên 35 độ, hệ thống làm mát hoạt động không đủ. Nhiều người mệt mỏi, đề "
         "nghị bổ sung nước uống, bố trí giờ nghỉ giữa ca."),
        ("hot_spot", "Tai nạn lao động tại dây chuyền, {who} lo ngại về an toàn",
         "Một vụ tai nạn kẹp tay xảy ra tại dây chuyền dập; người bị nạn đã được đưa đi cấp cứu. {Who} lo ngại máy "
         "móc cũ không được bảo dưỡng."),
        ("proposal", "Đề nghị tổ chức khám sức khỏe định kỳ có khám chuyên khoa cho lao động nữ",
         "{Who} nữ đề nghị bổ sung khám phụ khoa trong đợt khám sức khỏe định kỳ năm nay."),
    ],
    "GIAO_DUC_Y_TE": [
        ("opinion", "{Who} đồng tình với chính sách miễn học phí cho học sinh",
         "Nhiều gia đình phấn khởi vì được miễn học phí từ năm học mới, giảm bớt gánh nặng chi tiêu; mong các khoản "
         "thu khác cũng được công khai."),
        ("opinion", "{Who} phản ánh quá tải tại trạm y tế sau khi sắp xếp",
         "Sau sắp xếp, trạm y tế phục vụ địa bàn rộng hơn nhưng nhân lực không tăng; người dân phải chờ lâu, "
         "{who} làm việc quá giờ."),
        ("question", "{Who} hỏi về thủ tục chuyển tuyến khám chữa bệnh bảo hiểm y tế",
         "{Who} chưa rõ quy định mới về khám vượt tuyến và đăng ký nơi khám ban đầu gần chỗ làm."),
    ],
    "GIAO_THONG": [
        ("opinion", "{Who} phản ánh ùn tắc kéo dài giờ tan ca trên tuyến đường vào khu công nghiệp",
         "Giờ tan ca chiều, tuyến đường vào khu công nghiệp ùn tắc 30-45 phút. {Who} đề nghị điều chỉnh giờ ra "
         "ca so le giữa các doanh nghiệp."),
        ("proposal", "Đề nghị mở thêm tuyến xe buýt đến khu công nghiệp",
         "{Who} ở xa đề nghị mở thêm tuyến xe buýt hoặc xe đưa đón giờ ca đêm, giảm chi phí đi lại."),
    ],
    "CHINH_TRI": [
        ("opinion", "{Who} quan tâm đến việc sáp nhập tỉnh, thành và tổ chức chính quyền hai cấp",
         "Nhiều ý kiến đồng tình với chủ trương, mong thủ tục hành chính sau sắp xếp thuận tiện, không phải đi lại "
         "nhiều lần."),
        ("opinion", "{Who} kỳ vọng vào Đại hội Công đoàn các cấp",
         "Đoàn viên mong Đại hội chọn được cán bộ công đoàn gần gũi, dám bảo vệ quyền lợi người lao động."),
    ],
    "MOI_TRUONG": [
        ("opinion", "{Who} lo ngại ô nhiễm không khí những ngày cuối năm",
         "Chỉ số chất lượng không khí nhiều ngày ở mức xấu. {Who} làm việc ngoài trời lo ảnh hưởng sức khỏe, đề "
         "nghị được cấp khẩu trang chuyên dụng."),
        ("hot_spot", "Mưa lớn gây ngập sâu khu nhà trọ, {who} không thể đi làm",
         "Mưa lớn kéo dài khiến khu trọ ngập 40-60 cm, nhiều gia đình phải kê đồ đạc lên cao, không đi làm được. "
         "Đề nghị công đoàn hỗ trợ nhu yếu phẩm."),
    ],
    "CONG_DOAN": [
        ("opinion", "{Who} đánh giá cao chương trình \"Tết Sum vầy\" của công đoàn",
         "Nhiều đoàn viên phấn khởi khi được tặng quà, hỗ trợ vé xe về quê ăn Tết; mong mở rộng cho cả lao động "
         "thuê lại."),
        ("question", "{Who} hỏi về quyền lợi khi tham gia tổ chức công đoàn",
         "Lao động mới vào làm hỏi đóng đoàn phí bao nhiêu, được những quyền lợi gì, có được hỗ trợ khi ốm đau không."),
        ("proposal", "Đề nghị công đoàn tổ chức thêm hoạt động văn hóa, thể thao cho công nhân",
         "{Who} mong có sân chơi thể thao, giải bóng đá, văn nghệ vào cuối tuần để giao lưu, giảm căng thẳng."),
    ],
    "QUOC_TE": [
        ("opinion", "{Who} quan tâm đến ảnh hưởng của chính sách thuế quan đối với đơn hàng xuất khẩu",
         "Thông tin về thuế đối ứng khiến {who} lo doanh nghiệp mất đơn hàng xuất khẩu, ảnh hưởng việc làm cuối "
         "năm."),
    ],
    "TIN_XAU_DOC": [
        ("opinion", "{Who} bức xúc trước các bài viết xuyên tạc về công tác cán bộ trên mạng xã hội",
         "Một số trang mạng đăng bài xuyên tạc về sắp xếp bộ máy, gây hoang mang. {Who} đồng tình với việc xử lý "
         "các tài khoản đưa tin sai sự thật."),
        ("proposal", "Đề nghị cung cấp thông tin chính thống để phản bác tin giả",
         "{Who} đề nghị công đoàn cấp trên cung cấp thông tin chính thống kịp thời để cộng tác viên có căn cứ "
         "giải thích khi tin giả lan truyền."),
    ],
    "KHAC": [
        ("opinion", "{Who} phấn khởi trước các hoạt động kỷ niệm ngày lễ lớn",
         "Không khí phấn khởi, nhiều người tham gia các hoạt động kỷ niệm, treo cờ, xem diễu binh, diễu hành."),
        ("question", "{Who} hỏi về lịch nghỉ lễ, Tết năm tới",
         "{Who} muốn biết sớm lịch nghỉ Tết để sắp xếp về quê, mua vé tàu xe."),
    ],
}  # fmt: skip

POLICY_TEMPLATES = {
    "nq18-sap-xep-bo-may": [
        ("opinion", "Viên chức băn khoăn về sắp xếp, tinh gọn bộ máy và chế độ nghỉ hưu trước tuổi",
         "Nhiều ý kiến đồng tình với chủ trương tinh gọn bộ máy nhưng băn khoăn về tiêu chí đánh giá người dôi dư, "
         "cách tính trợ cấp khi nghỉ hưu trước tuổi theo Nghị định 178. Một số người lớn tuổi tâm tư, chưa quyết "
         "định có nộp đơn hay không."),
        ("opinion", "{Who} đồng tình với chủ trương sắp xếp đơn vị hành chính cấp xã",
         "Ý kiến chung đồng tình, cho rằng bộ máy gọn sẽ giảm thủ tục; mong trụ sở mới thuận tiện đi lại và cán bộ "
         "tiếp dân được tập huấn đầy đủ."),
        ("question", "{Who} hỏi về chính sách đối với người dôi dư sau sáp nhập",
         "{Who} hỏi người dôi dư có được ưu tiên bố trí việc làm mới không và thời hạn giữ nguyên phụ cấp chức vụ."),
        ("proposal", "Đề nghị công khai tiêu chí, lộ trình sắp xếp nhân sự sau sáp nhập",
         "{Who} đề nghị công khai tiêu chí đánh giá, lộ trình sắp xếp để mọi người yên tâm công tác."),
    ],
    "tt29-dung-day-them-co-thu-tien": [
        ("opinion", "Phụ huynh là công nhân lo lắng khi trường dừng dạy thêm",
         "Phụ huynh làm ca đến 17-18 giờ lo không có người trông con sau giờ học khi nhà trường dừng dạy thêm. "
         "Một số gia đình phải gửi con ở trung tâm tư nhân với chi phí cao hơn."),
        ("opinion", "Giáo viên băn khoăn thu nhập giảm khi dừng dạy thêm có thu tiền",
         "Giáo viên đồng tình với mục tiêu giảm áp lực học tập nhưng thu nhập giảm đáng kể; mong có chính sách "
         "hỗ trợ và hướng dẫn tổ chức câu lạc bộ, ôn tập miễn phí."),
        ("question", "{Who} hỏi về việc đăng ký dạy thêm ngoài nhà trường",
         "{Who} chưa rõ thủ tục đăng ký kinh doanh dạy thêm ngoài nhà trường và trách nhiệm báo cáo hiệu trưởng."),
        ("proposal", "Đề nghị nhà trường tổ chức trông giữ học sinh sau giờ học cho con công nhân",
         "Phụ huynh đề nghị nhà trường hoặc phường tổ chức sinh hoạt, trông giữ học sinh sau giờ học, thu phí "
         "thấp, phù hợp với giờ tan ca."),
    ],
    "nd168-xu-phat-giao-thong": [
        ("opinion", "Người lao động đồng tình với mức phạt mới nhưng lo ngại chi phí đi lại",
         "Đa số đồng tình vì trật tự giao thông tốt hơn rõ rệt, ít vượt đèn đỏ. Tuy nhiên mức phạt cao so với "
         "thu nhập; nhiều người chuyển sang đi xe buýt, thời gian đi lại dài hơn."),
        ("opinion", "{Who} ủng hộ việc xử lý nghiêm vi phạm nồng độ cồn",
         "Nhiều ý kiến ủng hộ, các bữa liên hoan cuối tuần đã giảm uống rượu bia hoặc thuê xe đưa về."),
        ("question", "{Who} hỏi về mức phạt khi không mang giấy tờ xe bản giấy",
         "{Who} chưa rõ xuất trình giấy tờ qua ứng dụng VNeID có được chấp nhận không, mức phạt khi quên giấy tờ."),
        ("proposal", "Đề nghị tuyên truyền Nghị định 168 bằng tranh ảnh tại nhà xưởng",
         "{Who} đề nghị in tài liệu ngắn gọn về các lỗi thường gặp và mức phạt, dán tại bảng tin nhà xưởng."),
    ],
    "luat-thu-do-2024": [
        ("opinion", "{Who} kỳ vọng Luật Thủ đô mang lại chính sách nhà ở tốt hơn cho người lao động",
         "Nhiều ý kiến kỳ vọng các cơ chế đặc thù của Luật Thủ đô giúp đẩy nhanh nhà ở xã hội, thiết chế công đoàn "
         "cho công nhân."),
        ("question", "{Who} hỏi Luật Thủ đô có thay đổi điều kiện đăng ký thường trú không",
         "{Who} ở trọ lâu năm muốn biết điều kiện đăng ký thường trú tại nội thành theo Luật Thủ đô 2024."),
        ("opinion", "{Who} lo ngại quy định hạn chế xe máy trong nội đô",
         "Một số ý kiến lo khi hạn chế xe máy, việc đi làm sẽ khó khăn nếu giao thông công cộng chưa đáp ứng."),
    ],
}  # fmt: skip

# title, claim (as collaborators heard it), topic, verification, resolution note
RUMOURS = [
    ("Tin đồn Công ty May mặc Quang Minh sắp cắt giảm 30% lao động", "công ty may sắp cắt giảm 30% lao động trước Tết",
     "VIEC_LAM",
     Verification.CORRECTED,
     "Doanh nghiệp xác nhận chỉ không tái ký khoảng 120 hợp đồng thời vụ hết hạn, không cắt giảm 30%; công đoàn cơ "
     "sở đã thông tin tại các ca làm việc."),
    ("Tin đồn tăng tuổi nghỉ hưu ngay từ tháng sau", "tuổi nghỉ hưu sẽ tăng ngay từ tháng sau", "BHXH",
     Verification.FALSE,
     "Lộ trình tăng tuổi nghỉ hưu theo Bộ luật Lao động 2019 giữ nguyên (mỗi năm 3 tháng với nam, 4 tháng với nữ); "
     "không có quy định mới."),
    ("Tin đồn phạt nặng xe máy không bật đèn ban ngày", "xe máy không bật đèn ban ngày sẽ bị phạt nặng",
     "GIAO_THONG", Verification.FALSE,
     "Nghị định 168/2024/NĐ-CP chỉ xử phạt không bật đèn từ 18 giờ đến 6 giờ sáng hoặc khi sương mù, thời tiết xấu; "
     "Phòng CSGT đã có thông báo."),
    ("Tin đồn cấm hoàn toàn rút bảo hiểm xã hội một lần", "từ nay không ai được rút bảo hiểm xã hội một lần nữa",
     "BHXH", Verification.CORRECTED,
     "Luật BHXH 2024 chỉ hạn chế với người bắt đầu đóng từ 01/7/2025; người đóng trước đó vẫn được rút một lần "
     "theo điều kiện của luật."),
    ("Tin đồn cắt toàn bộ giáo viên hợp đồng khi sáp nhập trường", "giáo viên hợp đồng sẽ bị cắt hết khi sáp nhập "
     "trường", "GIAO_DUC_Y_TE", Verification.UNVERIFIED, ""),
    ("Tin đồn công ty may nợ bảo hiểm, lao động nữ mất chế độ thai sản", "công ty nợ bảo hiểm nhiều tháng, lao động "
     "nữ sẽ không được hưởng thai sản", "BHXH", Verification.TRUE,
     "BHXH thành phố xác nhận doanh nghiệp chậm đóng 5 tháng; đã có văn bản đôn đốc, công đoàn hỗ trợ người lao "
     "động làm thủ tục và theo dõi việc đóng bù."),
    ("Tin đồn cán bộ dôi dư sau sáp nhập phường bị cắt toàn bộ phụ cấp", "cán bộ dôi dư sau sáp nhập phường bị cắt "
     "hết phụ cấp", "CHINH_TRI", Verification.CORRECTED,
     "Người tiếp tục công tác được giữ phụ cấp chức vụ 6 tháng; người nghỉ được hưởng chính sách theo Nghị định "
     "178/2024/NĐ-CP."),
    ("Tin đồn giá điện tăng 20% từ tháng tới", "giá điện sinh hoạt sẽ tăng 20% từ tháng tới", "GIA_CA",
     Verification.FALSE,
     "EVN Hà Nội khẳng định không có quyết định tăng giá điện 20%; mức điều chỉnh gần nhất là 4,8%."),
    ("Tin đồn phường thu phí trông giữ xe tại khu trọ công nhân", "phường sắp thu phí trông giữ xe ở các khu trọ",
     "NHA_O", Verification.UNVERIFIED, ""),
    ("Tin đồn ngộ độc thực phẩm tại bếp ăn tập thể khu công nghiệp", "nhiều công nhân bị ngộ độc sau bữa ăn ca",
     "ATVSLD", Verification.TRUE,
     "Trung tâm Y tế xác nhận 12 người đau bụng nhẹ, đã điều trị và ổn định; bếp ăn bị tạm đình chỉ, doanh nghiệp "
     "đổi nhà cung cấp suất ăn."),
    ("Tin đồn miễn học phí chỉ áp dụng cho học sinh có hộ khẩu Hà Nội", "con công nhân ngoại tỉnh không được miễn "
     "học phí", "GIAO_DUC_Y_TE", Verification.CORRECTED,
     "Sở Giáo dục và Đào tạo hướng dẫn: miễn học phí áp dụng cho học sinh học tại trường công lập trên địa bàn, "
     "không phụ thuộc nơi thường trú."),
    ("Tin đồn công đoàn thu tiền tuyển lao động đi Hàn Quốc", "công đoàn đang thu tiền tuyển người đi làm ở Hàn "
     "Quốc", "TIN_XAU_DOC", Verification.FALSE,
     "Công đoàn không tuyển dụng lao động đi làm việc ở nước ngoài; đây là thủ đoạn lừa đảo mạo danh, đã báo cơ quan "
     "công an."),
    ("Tin đồn bỏ lương cơ sở, tính lương theo vị trí việc làm từ tháng sau", "lương cơ sở sẽ bị bỏ từ tháng sau",
     "TIEN_LUONG", Verification.UNVERIFIED, ""),
    ("Tin đồn khu công nghiệp cho công nhân nghỉ không lương cả tuần vì ngập", "công nhân sẽ phải nghỉ không lương "
     "cả tuần vì ngập", "MOI_TRUONG", Verification.FALSE,
     "Ban quản lý các khu công nghiệp xác nhận chỉ hai doanh nghiệp tạm dừng một ngày và vẫn trả lương ngừng việc."),
    ("Tin đồn Luật Thủ đô cho phép thu hồi nhà trọ không đạt chuẩn", "nhà trọ không đạt chuẩn sẽ bị thu hồi theo Luật "
     "Thủ đô", "CHINH_SACH_PL", Verification.UNVERIFIED, ""),
]  # fmt: skip

SIGHTING_TITLES = [
    "{Who} truyền tai nhau: {claim}",
    "Trên nhóm Zalo lan truyền tin {claim}",
    "{Who} hoang mang vì nghe nói {claim}",
    "Tin đồn {claim} gây lo lắng",
]
SIGHTING_CONTENT = (
    "Một số {who} chia sẻ thông tin {claim}, khiến nhiều người lo lắng và hỏi lại cán bộ công đoàn. Thông tin chưa rõ "
    "nguồn gốc; công đoàn cơ sở đã đề nghị mọi người chờ thông báo chính thức."
)
SOURCE_SENTENCES = {
    Source.DIRECT: "Ý kiến ghi nhận qua trao đổi trực tiếp trong giờ nghỉ giữa ca.",
    Source.MEETING: "Nội dung được nêu tại buổi đối thoại định kỳ giữa công đoàn và người sử dụng lao động.",
    Source.SOCIAL_MEDIA: "Thông tin được chia sẻ nhiều trong các nhóm Zalo, Facebook của người lao động.",
    Source.PRESS: "Sau khi báo chí đưa tin, nhiều người bàn tán và so sánh với tình hình tại đơn vị.",
    Source.HEARSAY: "Thông tin được truyền miệng, chưa rõ nguồn gốc.",
}
CLOSINGS = [
    "",
    "Đề nghị công đoàn cấp trên thông tin chính thức để người lao động yên tâm.",
    "Công đoàn cơ sở đã giải thích bước đầu, tâm trạng chung ổn định.",
    "Cần tiếp tục theo dõi trong thời gian tới.",
    "Đề nghị có văn bản hướng dẫn để cán bộ công đoàn giải thích thống nhất.",
]
RETURN_REASONS = [
    "Đề nghị bổ sung thời gian, địa điểm cụ thể và ước tính số người có ý kiến.",
    "Nội dung còn chung chung, đề nghị nêu rõ người lao động băn khoăn điều gì.",
    "Báo cáo có nêu tên người lao động; đề nghị bỏ tên, chỉ mô tả ý kiến.",
    "Đề nghị ghi rõ nguồn thông tin: nghe trực tiếp hay qua mạng xã hội.",
]
REJECT_REASONS = [
    "Trùng với báo cáo đã gửi trước đó về cùng nội dung.",
    "Nội dung là việc cá nhân, không thuộc phạm vi nắm bắt dư luận xã hội.",
    "Thông tin đã cũ, đã được xử lý từ kỳ trước.",
    "Nội dung sao chép từ bài báo, không phải ý kiến ghi nhận tại đơn vị.",
]
ACCEPT_NOTES = [
    "",
    "",
    "Đã tổng hợp vào báo cáo tuần.",
    "Ý kiến xác đáng, đưa vào báo cáo chuyên đề tháng.",
    "Đã chuyển Ban Chính sách - Pháp luật nghiên cứu.",
]
PUBLIC_COMMENTS = [
    "Cảm ơn đồng chí, đề nghị tiếp tục theo dõi diễn biến.",
    "Đề nghị cập nhật nếu đơn vị có thông báo chính thức.",
    "Đồng chí phối hợp công đoàn cơ sở giải thích cho người lao động yên tâm.",
]
INTERNAL_COMMENTS = [
    "Cần đối chiếu với báo cáo của các đơn vị lân cận.",
    "Đưa vào báo cáo nhanh gửi Thường trực.",
    "Theo dõi thêm, có dấu hiệu lan rộng.",
]
# The reception a report's own words state: what people approve of is positive, what they protest or fear
# is negative, approval with a reservation is mixed; a question is neutral. Only a text that says none of
# these gets a direction drawn at random.
APPROVING = ("đồng tình", "phấn khởi", "ủng hộ", "hoan nghênh", "đánh giá cao", "yên tâm")
OPPOSING = ("phản đối", "bức xúc", "lo lắng", "lo ngại", "lo mất", "hoang mang", "không thể", "ngừng việc")
OPPOSING += ("tai nạn", "chậm trả", "giảm do", "cho thôi việc", "nguy cơ", "xuyên tạc", "chưa được")
RESERVED = ("nhưng", "tuy nhiên", "băn khoăn")


def _direction_of(kind, title: str, content: str, drawn: str) -> str:
    title, text = title.lower(), f"{title} {content}".lower()
    if kind == ReportKind.QUESTION:
        return Direction.NEUTRAL
    approving, opposing = any(w in title for w in APPROVING), any(w in title for w in OPPOSING)
    if kind == ReportKind.HOT_SPOT or (opposing and not approving):
        return Direction.NEGATIVE
    if approving:
        return Direction.MIXED if opposing or any(word in text for word in RESERVED) else Direction.POSITIVE
    if kind == ReportKind.PROPOSAL and drawn == Direction.POSITIVE:
        return Direction.NEUTRAL
    return drawn


ALERT_NOTES = {AlertLevel.WATCH: "Cần theo dõi", AlertLevel.COMPLEX: "Phức tạp", AlertLevel.HOT_SPOT: "Điểm nóng"}
VERIFICATION_NOTES = {
    Verification.TRUE: "Đúng sự thật",
    Verification.FALSE: "Sai sự thật",
    Verification.CORRECTED: "Đã đính chính, bác bỏ",
}
NOTHING_NEW_TITLE = "Không có gì mới trong kỳ báo cáo"


def _people(unit_name: str) -> tuple[str, str, str]:
    """Who the collaborator reports about, from the unit's name: (capitalised, group concerned, sector).

    The sector is one letter of SECTORS: a text is written only by collaborators of a sector it fits.
    """
    name = unit_name.lower()
    if "trường" in name:
        return "Giáo viên", "Giáo viên, nhân viên nhà trường", "S"
    if "y tế" in name or "bệnh viện" in name:
        return "Viên chức y tế", "Viên chức, người lao động ngành y tế", "H"
    if "đô thị" in name:
        return "Công nhân môi trường", "Công nhân vệ sinh môi trường, cây xanh", "U"
    if "công ty" in name or "khu công nghiệp" in name:
        return "Công nhân", "Công nhân trực tiếp sản xuất", "F"
    return "Người lao động", "Đoàn viên, người lao động trên địa bàn", "W"


# Sectors: F factories (industrial parks, companies), U urban services, W a ward's workers at large,
# S schools, H health. A text or rumour not listed here fits every sector; those listed fit the sectors
# named (teachers speak of schools, workers of production lines and rented rooms).
SECTORS = "FUWSH"
RENTED = "FUW"  # rented rooms, shifts, industrial parks
PUBLIC_SERVICE = "SHW"  # civil servants: pay scales, merging of units
FITS = {
    "{Who} băn khoăn về việc điều chỉnh lương tối thiểu vùng từ 01/01/2026": RENTED,
    "{Who} cho rằng thu nhập thực tế giảm do làm thêm giờ ít đi": "F",
    "{Who} tập trung phản đối việc chậm trả lương tháng": "FU",
    "{Who} hỏi cách tính lương làm thêm giờ vào ngày nghỉ lễ": "FUH",
    "{Who} lo lắng trước thông tin đơn hàng giảm mạnh cuối năm": "F",
    "{Who} đồng tình với chính sách hỗ trợ đào tạo lại cho lao động bị cắt giảm": "F",
    "{Who} hỏi về chế độ trợ cấp khi doanh nghiệp giảm lao động": "F",
    "Doanh nghiệp thông báo cho thôi việc hàng loạt, {who} bức xúc": "F",
    "Đề nghị tổ chức phiên giao dịch việc làm tại khu công nghiệp": "FW",
    "{Who} lo ngại quy định mới về rút bảo hiểm xã hội một lần": RENTED,
    "{Who} hỏi về chế độ thai sản khi đơn vị chậm đóng bảo hiểm": "FU",
    "Đề nghị tăng cường đối thoại về chính sách bảo hiểm thất nghiệp": RENTED,
    "{Who} hỏi về thủ tục cấp đổi căn cước cho người ở trọ": RENTED,
    "Đề nghị mở rộng điểm bán hàng bình ổn giá cho đoàn viên": RENTED,
    "{Who} mong chờ dự án nhà ở xã hội cho công nhân": RENTED,
    "{Who} phản ánh giá thuê phòng trọ tăng sau khi sáp nhập phường": RENTED,
    "Khu nhà trọ của {who} có nguy cơ cháy do đấu nối điện tạm bợ": RENTED,
    "Đề nghị xây dựng nhà trẻ cho con công nhân gần khu nhà trọ": RENTED,
    "{Who} chưa hài lòng với cách quản lý của tổ trưởng sản xuất": "F",
    "{Who} một phân xưởng ngừng việc tập thể phản đối định mức mới": "F",
    "Đề nghị tổ chức đối thoại định kỳ về thỏa ước lao động tập thể": "FU",
    "{Who} phản ánh nhà xưởng nóng bức trong những ngày cao điểm": "F",
    "Tai nạn lao động tại dây chuyền, {who} lo ngại về an toàn": "F",
    "{Who} phản ánh quá tải tại trạm y tế sau khi sắp xếp": "H",
    "{Who} phản ánh ùn tắc kéo dài giờ tan ca trên tuyến đường vào khu công nghiệp": "F",
    "Đề nghị mở thêm tuyến xe buýt đến khu công nghiệp": "F",
    "{Who} lo ngại ô nhiễm không khí những ngày cuối năm": "UW",
    "Mưa lớn gây ngập sâu khu nhà trọ, {who} không thể đi làm": RENTED,
    "Đề nghị công đoàn tổ chức thêm hoạt động văn hóa, thể thao cho công nhân": "FU",
    "{Who} quan tâm đến ảnh hưởng của chính sách thuế quan đối với đơn hàng xuất khẩu": "F",
    "Viên chức băn khoăn về sắp xếp, tinh gọn bộ máy và chế độ nghỉ hưu trước tuổi": PUBLIC_SERVICE,
    "{Who} hỏi về chính sách đối với người dôi dư sau sáp nhập": PUBLIC_SERVICE,
    "Phụ huynh là công nhân lo lắng khi trường dừng dạy thêm": "FW",
    "Giáo viên băn khoăn thu nhập giảm khi dừng dạy thêm có thu tiền": "S",
    "{Who} hỏi về việc đăng ký dạy thêm ngoài nhà trường": "S",
    "Đề nghị nhà trường tổ chức trông giữ học sinh sau giờ học cho con công nhân": "FW",
    "Đề nghị tuyên truyền Nghị định 168 bằng tranh ảnh tại nhà xưởng": "F",
    "{Who} kỳ vọng Luật Thủ đô mang lại chính sách nhà ở tốt hơn cho người lao động": RENTED,
    "{Who} hỏi Luật Thủ đô có thay đổi điều kiện đăng ký thường trú không": RENTED,
}
# The sectors each rumour (by its place in RUMOURS) is heard in.
RUMOUR_FITS = ["F", SECTORS, SECTORS, SECTORS, "SW", "FU", PUBLIC_SERVICE, SECTORS, RENTED, "F", SECTORS, SECTORS,
               PUBLIC_SERVICE, "F", RENTED]  # fmt: skip


def _fits(entry, sector: str) -> bool:
    return sector in FITS.get(entry[1], SECTORS)


def _fill(text: str, who: str, claim: str = "") -> str:
    return text.format(Who=who, who=who[0].lower() + who[1:], claim=claim)


# --- timing ------------------------------------------------------------------------------------


@contextmanager
def _keep_timestamps(*fields):
    """Let bulk_create write the given auto_now/auto_now_add fields as set (they are in the past)."""
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _status_for(rng, days_ago: float) -> str:
    if days_ago < 7:
        table = {"submitted": 55, "accepted": 22, "returned": 8, "draft": 12, "rejected": 3}
    elif days_ago < 60:
        table = {"submitted": 8, "accepted": 62, "returned": 10, "draft": 5, "rejected": 8, "archived": 7}
    else:
        table = {"accepted": 68, "archived": 18, "rejected": 8, "returned": 3, "draft": 3}
    return rng.choices(list(table), weights=list(table.values()))[0]


def _days_for(rng, status: str) -> float:
    """An age (days) plausible for a report forced into ``status`` (the demo accounts' reports)."""
    if status in (ReportStatus.SUBMITTED, ReportStatus.DRAFT):
        return rng.uniform(0.1, 6)
    if status == ReportStatus.RETURNED:
        return rng.uniform(1, 40)
    if status == ReportStatus.ARCHIVED:
        return rng.uniform(60, DAYS)
    return rng.uniform(2, DAYS)


def _at_work_hours(rng, moment: datetime, now: datetime) -> datetime:
    local = timezone.localtime(moment)
    local = local.replace(hour=rng.randint(7, 20), minute=rng.randint(0, 59), second=rng.randint(0, 59))
    return min(local, now - timedelta(minutes=rng.randint(5, 90)))


# --- seeding -------------------------------------------------------------------------------------


def seed(count: int | None = None) -> str:
    count = REPORT_COUNT if count is None else count
    if Report.objects.filter(client_token=demo_token(0)).exists():
        return "Reports: demo reports already present, nothing added."
    authors = list(
        User.objects.filter(
            role=Role.COLLABORATOR,
            is_active=True,
            unit__isnull=False,
            profile__status=CollaboratorStatus.ACTIVE,
        )
        .select_related("unit")
        .order_by("pk")
    )
    topics = {t.code: t for t in Topic.objects.all()}
    if not authors or not topics:
        return "Reports: no active collaborators or no topics; nothing added."
    started = timezone.now()
    rng = random.Random(2026)
    now = timezone.now()
    policies = {p.code: p for p in FocusPolicy.objects.all()}
    staff = list(
        User.objects.filter(is_active=True, role__in=[Role.STAFF, Role.ADMIN], unit__isnull=False).select_related(
            "unit"
        )
    )
    root = Unit.objects.filter(depth=1).order_by("path").first()

    def reviewers(unit):
        best = [s for s in staff if unit.path.startswith(s.unit.path)]
        if not best:
            return []
        depth = max(len(s.unit.path) for s in best)
        nearest = [s for s in best if len(s.unit.path) == depth]
        return [s for s in nearest if not s.is_superuser] or nearest

    reviewer_cache = {}

    def reviewer_for(unit):
        if unit.pk not in reviewer_cache:
            reviewer_cache[unit.pk] = reviewers(unit)
        people = reviewer_cache[unit.pk]
        return rng.choice(people) if people else None

    # Rumours first (their sightings cluster in time after the rumour emerged).
    rumour_rows = []
    for index, (title, claim, topic_code, verification, note) in enumerate(RUMOURS):
        emerged = now - timedelta(days=rng.uniform(10, DAYS - 30))
        rumour_rows.append(
            {
                "title": title,
                "claim": claim,
                "topic": topics.get(topic_code),
                "verification": verification,
                "note": note,
                "emerged": emerged,
                "index": index,
            }
        )

    demo_users = [u for u in authors if u.username in DEMO_AUTHORS]
    plan = []  # (author, forced status or None, forced kind or None)
    statuses = list(ReportStatus.values)
    kinds = [*ReportKind.values, "nothing_new"]
    for user in demo_users:
        for i in range(PER_DEMO_AUTHOR):
            plan.append((user, statuses[i % len(statuses)], kinds[(i + i // len(statuses)) % len(kinds)]))
    others = [u for u in authors if u.username not in DEMO_AUTHORS] or authors
    # Some collaborators write a lot, most a little.
    weights = [rng.paretovariate(1.5) for _ in others]
    while len(plan) < count:
        plan.append((rng.choices(others, weights)[0], None, None))
    plan = plan[:count]

    topic_codes = list(TOPIC_WEIGHTS)
    rumour_cycle = rng.sample(rumour_rows, len(rumour_rows))
    rumour_turn = 0
    reports, timelines, rumour_of = [], [], {}
    for n, (author, forced_status, forced_kind) in enumerate(plan):
        unit = author.unit
        who, group, sector = _people(unit.name)
        kind = forced_kind
        if kind is None:
            roll = rng.random()
            kind = "nothing_new" if roll < 0.03 else ReportKind.RUMOUR if roll < 0.17 else ""
        rumour = None
        focus_policy = None
        if kind == "nothing_new":
            title, content, topic = NOTHING_NEW_TITLE, "", None
        elif kind == ReportKind.RUMOUR:
            # Each rumour is heard several times, in the sectors where it makes sense.
            for _turn in range(len(rumour_cycle)):
                rumour = rumour_cycle[rumour_turn % len(rumour_cycle)]
                rumour_turn += 1
                if sector in RUMOUR_FITS[rumour["index"]]:
                    break
            topic = rumour["topic"]
            title = _fill(rng.choice(SIGHTING_TITLES), who, rumour["claim"])
            content = _fill(SIGHTING_CONTENT, who, rumour["claim"])
        else:
            entry = None
            if rng.random() < 0.22 and kind != ReportKind.HOT_SPOT:
                options = [
                    (code, e)
                    for code, entries in POLICY_TEMPLATES.items()
                    for e in entries
                    if _fits(e, sector) and (not kind or e[0] == kind)
                ]
                if options:
                    code, entry = rng.choice(options)
                    focus_policy = policies.get(code)
                    topic = focus_policy.topic if focus_policy else topics.get("KHAC")
            if entry is None:
                codes = [
                    c for c in topic_codes if any(_fits(e, sector) and (not kind or e[0] == kind) for e in TEMPLATES[c])
                ]
                if not codes:  # no text of that kind for this sector: another kind
                    kind = ""
                    codes = [c for c in topic_codes if any(_fits(e, sector) for e in TEMPLATES[c])]
                code = rng.choices(codes, [TOPIC_WEIGHTS[c] for c in codes])[0]
                entries = [e for e in TEMPLATES[code] if _fits(e, sector)]
                topic = topics.get(code)
                wanted = [e for e in entries if e[0] == kind] if kind else []
                if not wanted:
                    wanted = [rng.choices(entries, [KIND_WEIGHTS[ReportKind(e[0])] for e in entries])[0]]
                entry = rng.choice(wanted)
            kind = entry[0]
            title, content = _fill(entry[1], who), _fill(entry[2], who)
        title = title[0].upper() + title[1:]

        status = forced_status
        if status is None:
            days_ago = rng.uniform(0, DAYS) if rng.random() < 0.6 else rng.uniform(0, 90)
            if rumour is not None:
                days_ago = max(0.05, (now - rumour["emerged"]).days - rng.expovariate(1 / 12))
            status = _status_for(rng, days_ago)
        else:
            days_ago = _days_for(rng, status)
        if kind == "nothing_new" and status not in (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED):
            # "Nothing new" is recorded at one tap: it is never a draft, and there is nothing to return.
            status = ReportStatus.ACCEPTED if status != ReportStatus.ARCHIVED else status
        if focus_policy is not None and focus_policy.started_on:
            oldest = (timezone.localdate() - focus_policy.started_on).days
            days_ago = min(days_ago, max(oldest, 1))
        moment = _at_work_hours(rng, now - timedelta(days=days_ago), now)

        source = rng.choice(list(Source)) if kind != "nothing_new" else ""
        if kind == ReportKind.RUMOUR:
            source = rng.choice([Source.SOCIAL_MEDIA, Source.HEARSAY, Source.HEARSAY, Source.DIRECT])
        if content:
            closing = rng.choice(CLOSINGS)
            content = " ".join(filter(None, [content, SOURCE_SENTENCES.get(source, ""), closing]))
        hot = kind == ReportKind.HOT_SPOT
        # Drawn as they always were, so the rest of the demo stays the same; used once the direction is known.
        first = rng.random() if kind != "nothing_new" else 1.0
        second = rng.random() if hot and first >= 0.7 else 1.0
        # What these draws made urgent before the direction was known: it decides the draws further on.
        drawn_urgent = (hot and (first < 0.7 or second < 0.02)) or (not hot and first < 0.02)
        place = unit.name.replace("Công đoàn cơ sở ", "").replace("Công đoàn ", "")
        observed = timezone.localtime(moment).date() - timedelta(days=rng.choice([0, 0, 0, 1, 2, 3, 5]))
        report = Report(
            author=author,
            unit=unit,
            nothing_new=kind == "nothing_new",
            kind="" if kind == "nothing_new" else kind,
            topic=topic,
            focus_policy=focus_policy,
            title=title[:200],
            content=content,
            client_token=demo_token(n),
            status=status,
        )
        urgent = False
        if kind != "nothing_new":
            drawn = (
                rng.choice([Direction.NEGATIVE, Direction.NEUTRAL, Direction.MIXED])
                if hot or kind == ReportKind.RUMOUR
                else rng.choices(list(Direction), [3, 4, 3, 2])[0]
            )
            report.direction = _direction_of(kind, title, content, drawn)
            # Urgent: most hot spots, and now and then a report of people's discontent (never a word of praise).
            discontent = report.direction == Direction.NEGATIVE
            urgent = (hot and (first < 0.7 or second < 0.02)) or (discontent and first < 0.04)
            report.breadth = rng.choices(list(Breadth), [1, 3, 5, 6, 3])[0]
            report.concern = Concern.HIGH if hot else rng.choices(list(Concern), [2, 5, 3])[0]
            report.spread = (
                Spread.ONLINE if source == Source.SOCIAL_MEDIA else rng.choices(list(Spread), [8, 3, 3, 2, 1, 1])[0]
            )
            report.source = source
            report.group_concerned = group
            report.place = place
            report.observed_on = observed
            report.people_involved = (
                rng.choice([20, 30, 50, 80, 150, 200, 300])
                if hot
                else (rng.choice([None, 5, 10, 15, 20, 40]) if rng.random() < 0.6 else None)
            )
            report.urgent = urgent
        if kind == ReportKind.RUMOUR:
            report.verification = Verification.UNVERIFIED
        report.search_text = report.folded_search_text()

        events = []
        created = moment - timedelta(minutes=rng.randint(3, 120))
        report.created_at = created
        events.append((EventKind.CREATED, author, "", False, created))
        last = created
        if status != ReportStatus.DRAFT:
            reviewer = reviewer_for(unit)
            first = moment
            submitted = moment
            cycle = (
                kind != "nothing_new"
                and status in (ReportStatus.ACCEPTED, ReportStatus.REJECTED)
                and rng.random() < 0.12
            )
            events.append((EventKind.SUBMITTED, author, "", False, first))
            if cycle and reviewer is not None:
                back = first + timedelta(hours=rng.uniform(2, 30))
                events.append((EventKind.RETURNED, reviewer, rng.choice(RETURN_REASONS), False, back))
                submitted = back + timedelta(hours=rng.uniform(1, 48))
                events.append((EventKind.RESUBMITTED, author, "", False, submitted))
            submitted = min(submitted, now - timedelta(minutes=2))
            report.first_submitted_at, report.submitted_at = first, submitted
            last = submitted
            if rumour is not None and rng.random() < 0.85 and reviewer is not None:
                link_at = min(submitted + timedelta(hours=rng.uniform(0.5, 24)), now - timedelta(minutes=1))
                events.append((EventKind.RUMOUR_LINKED, reviewer, rumour["title"], True, link_at))
                rumour_of[n] = rumour
                last = max(last, link_at)
            reviewed = min(submitted + timedelta(hours=rng.uniform(1, 72)), now - timedelta(minutes=1))
            if status == ReportStatus.SUBMITTED:
                if reviewer is not None and rng.random() < 0.3:
                    report.assignee = reviewer
                    events.append((EventKind.ASSIGNED, reviewer, reviewer.get_full_name(), True, reviewed))
                    last = max(last, reviewed)
                if now - submitted > timedelta(hours=settings.REPORT_OVERDUE_HOURS):
                    flagged = submitted + timedelta(hours=settings.REPORT_OVERDUE_HOURS, minutes=rng.randint(1, 59))
                    report.overdue_notified_at = flagged
                    events.append((EventKind.OVERDUE, None, "", True, flagged))
                    last = max(last, flagged)
            elif reviewer is not None:
                report.reviewed_at = reviewed
                report.assignee = reviewer
                if status == ReportStatus.RETURNED:
                    events.append((EventKind.RETURNED, reviewer, rng.choice(RETURN_REASONS), False, reviewed))
                elif status == ReportStatus.REJECTED:
                    events.append((EventKind.REJECTED, reviewer, rng.choice(REJECT_REASONS), False, reviewed))
                else:
                    events.append((EventKind.ACCEPTED, reviewer, rng.choice(ACCEPT_NOTES), False, reviewed))
                last = reviewed
            if reviewer is not None and status in (
                ReportStatus.ACCEPTED,
                ReportStatus.ARCHIVED,
                ReportStatus.SUBMITTED,
            ):
                level = AlertLevel.NORMAL
                if hot:
                    level = rng.choice([AlertLevel.COMPLEX, AlertLevel.HOT_SPOT])
                elif drawn_urgent or rng.random() < 0.1:
                    level = rng.choice([AlertLevel.WATCH, AlertLevel.WATCH, AlertLevel.COMPLEX])
                if level != AlertLevel.NORMAL:
                    report.alert_level = level
                    at = min(max(last, submitted) + timedelta(minutes=rng.randint(5, 120)), now)
                    events.append((EventKind.ALERT, reviewer, ALERT_NOTES[level] + ".", True, at))
                    last = max(last, at)
                    if (hot or urgent) and reviewer.unit.depth > 1 and root is not None:
                        report.escalated_to = root
                        note = f"{root.name}: Vụ việc có nguy cơ lan rộng, đề nghị Thường trực chỉ đạo."
                        events.append((EventKind.ESCALATED, reviewer, note, True, at + timedelta(minutes=10)))
                        last = max(last, at + timedelta(minutes=10))
                if status != ReportStatus.SUBMITTED and rng.random() < 0.25:
                    internal = rng.random() < 0.5
                    text = rng.choice(INTERNAL_COMMENTS if internal else PUBLIC_COMMENTS)
                    at = min(last + timedelta(hours=rng.uniform(0.2, 20)), now)
                    events.append((EventKind.COMMENT, reviewer, text, internal, at))
                    last = max(last, at)
            if status == ReportStatus.ARCHIVED and reviewer is not None:
                at = min(last + timedelta(days=rng.uniform(20, 50)), now)
                events.append((EventKind.ARCHIVED, reviewer, "Lưu trữ cuối kỳ báo cáo.", True, at))
                last = at
        report.updated_at = min(last, now)
        reports.append(report)
        timelines.append(events)

    with _keep_timestamps(
        Report._meta.get_field("created_at"),
        Report._meta.get_field("updated_at"),
        Rumour._meta.get_field("created_at"),
    ):
        rumours = _seed_rumours(rng, rumour_rows, reports, rumour_of, reviewer_for, now, root)
        for n, row in rumour_of.items():
            reports[n].rumour = rumours[row["index"]]
            reports[n].verification = rumours[row["index"]].verification
        Report.objects.bulk_create(reports, batch_size=500)
        for report in reports:  # the history page starts with the report as it stands
            report._history_date = report.created_at
            report._history_user = report.author
        Report.history.bulk_history_create(reports, batch_size=500)

        events = []
        for report, timeline in zip(reports, timelines, strict=True):
            for kind, actor, note, internal, at in timeline:
                events.append((report.pk, actor.pk if actor else None, kind, note, internal, at))
            rumour = report.rumour
            if rumour is not None and rumour.verified_at and rumour.verified_at > (report.submitted_at or now):
                note = f"{VERIFICATION_NOTES[rumour.verification]}: {rumour.resolution_note}"
                events.append((report.pk, rumour.verified_by_id, EventKind.VERIFIED, note, False, rumour.verified_at))
    _insert_events(events)

    _recount(rumours)
    _mark_reported(reports)
    seconds = (timezone.now() - started).total_seconds()
    return (
        f"Reports: {len(reports)} demo reports, {len(events)} events and {len(rumours)} tracked rumours "
        f"({sum(1 for r in reports if r.rumour_id)} sightings) added in {seconds:.1f} s."
    )


def _insert_events(rows):
    """ReportEvents as plain rows: the timeline is most of the demo's rows, and bulk_create's
    per-field preparation was most of its time. Values go through the backend's adapters."""
    adapt = connection.ops.adapt_datetimefield_value
    table = ReportEvent._meta.db_table
    sql = (
        f"INSERT INTO {connection.ops.quote_name(table)} (report_id, actor_id, kind, note, internal, created_at)"  # noqa: S608 - table name from the model
        " VALUES (%s, %s, %s, %s, %s, %s)"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 2000):
            batch = rows[start : start + 2000]
            cursor.executemany(sql, [(*row[:5], adapt(row[5])) for row in batch])


def _seed_rumours(rng, rumour_rows, reports, rumour_of, reviewer_for, now, root):
    """The tracked rumours, listed for the units their sightings came from (and those units' unions)."""
    sightings = defaultdict(list)
    for n, row in rumour_of.items():
        sightings[row["index"]].append(reports[n])
    rumours = []
    listed = []
    for row in rumour_rows:
        seen = sightings[row["index"]]
        first = min((r.submitted_at for r in seen), default=row["emerged"])
        last = max((r.submitted_at for r in seen), default=row["emerged"])
        creator = reviewer_for(seen[0].unit if seen else root)
        rumour = Rumour(
            title=row["title"],
            summary=f"Thông tin lan truyền: {row['claim']}.",
            topic=row["topic"],
            verification=row["verification"],
            resolution_note=row["note"],
            created_by=creator,
            created_at=min(first + timedelta(hours=rng.uniform(1, 20)), now),
        )
        rumour.search_text = rumour.folded_search_text()
        if row["verification"] != Verification.UNVERIFIED:
            rumour.verified_by = creator
            rumour.verified_at = min(last + timedelta(days=rng.uniform(1, 10)), now - timedelta(minutes=1))
        rumours.append(rumour)
        units = set()
        for report in seen:
            units.add(report.unit_id)
            parent_path = report.unit.path[: report.unit.steplen * 2]
            units.add(("path", parent_path))
        if creator is not None:
            units.add(creator.unit_id)
        listed.append(units)
    Rumour.objects.bulk_create(rumours)
    Rumour.history.bulk_history_create(rumours)
    paths = {u[1] for units in listed for u in units if isinstance(u, tuple)}
    by_path = dict(Unit.objects.filter(path__in=paths).values_list("path", "pk"))
    through = Rumour.listed_units.through
    links = []
    for rumour, units in zip(rumours, listed, strict=True):
        pks = {by_path.get(u[1]) if isinstance(u, tuple) else u for u in units} - {None}
        links.extend(through(rumour_id=rumour.pk, unit_id=pk) for pk in sorted(pks))
    through.objects.bulk_create(links, ignore_conflicts=True)
    return rumours


def _recount(rumours):
    """sighting_count, first and last seen: the aggregate reports.services._rumour_recount uses."""
    stats = (
        Report.objects.filter(rumour__in=rumours)
        .exclude(status=ReportStatus.DRAFT)
        .values("rumour")
        .annotate(n=Count("pk"), first=Min("submitted_at"), last=Max("submitted_at"))
    )
    by_rumour = {row["rumour"]: row for row in stats}
    for rumour in rumours:
        row = by_rumour.get(rumour.pk, {"n": 0, "first": None, "last": None})
        rumour.sighting_count, rumour.first_seen_at, rumour.last_seen_at = row["n"], row["first"], row["last"]
    Rumour.objects.bulk_update(rumours, ["sighting_count", "first_seen_at", "last_seen_at"])


def _mark_reported(reports):
    """The reporting facts of the demo's sent reports: the period of each first sending."""
    reporting_activities_record(
        sendings=[
            (report.author_id, timezone.localdate(report.first_submitted_at))
            for report in reports
            if report.status != ReportStatus.DRAFT and report.first_submitted_at
        ]
    )
