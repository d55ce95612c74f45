"""Vietnamese for Qt's own words (buttons, context menus) and the message boxes the window shows.

PySide6 ships no Qt translation for Vietnamese, so a small translation of the strings Qt's widgets show is
compiled here at start-up (their source texts, whatever the context); every message box is built here
with Vietnamese buttons.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator
from PySide6.QtWidgets import QMessageBox, QWidget

from danvan_desktop.ui.tasks import TaskFailure

APP_TITLE = "Dân vận"

# Qt's source texts (QPlatformTheme, QGnomeTheme, QLineEdit, QWidgetTextControl, QAbstractSpinBox,
# QScrollBar, QMessageBox, QCalendarWidget, QPrintPreviewDialog, QPrintDialog, QPageSetupWidget…).
QT_TEXTS: dict[str, str] = {
    "OK": "Đồng ý", "&OK": "Đồng ý", "Save": "Lưu", "&Save": "Lưu", "Save All": "Lưu tất cả",
    "Open": "Mở", "&Yes": "Có", "Yes": "Có", "Yes to &All": "Có với tất cả", "&No": "Không", "No": "Không",
    "N&o to All": "Không với tất cả", "Abort": "Dừng", "Retry": "Thử lại", "Ignore": "Bỏ qua",
    "Close": "Đóng", "&Close": "Đóng", "Cancel": "Hủy", "&Cancel": "Hủy", "Discard": "Bỏ",
    "Close without Saving": "Đóng không lưu", "Help": "Trợ giúp", "Apply": "Áp dụng", "Reset": "Đặt lại",
    "Restore Defaults": "Khôi phục mặc định",
    "&Undo": "Hoàn tác", "&Redo": "Làm lại", "Cu&t": "Cắt", "&Copy": "Sao chép", "&Paste": "Dán",
    "Delete": "Xóa", "Select All": "Chọn tất cả", "&Select All": "Chọn tất cả",
    "Copy &Link Location": "Sao chép địa chỉ liên kết", "&Step up": "Tăng", "Step &down": "Giảm",
    "Scroll here": "Cuộn đến đây", "Left edge": "Cạnh trái", "Top": "Đầu", "Right edge": "Cạnh phải",
    "Bottom": "Cuối", "Page left": "Trang trái", "Page up": "Trang trên", "Page right": "Trang phải",
    "Page down": "Trang dưới", "Scroll left": "Cuộn trái", "Scroll up": "Cuộn lên",
    "Scroll right": "Cuộn phải", "Scroll down": "Cuộn xuống",
    "Show Details...": "Xem chi tiết…", "Hide Details...": "Ẩn chi tiết…",
    "Previous Month": "Tháng trước", "Next Month": "Tháng sau", "Today": "Hôm nay",
    "Print Preview": "Xem trước khi in", "Print": "In", "Page Setup": "Thiết lập trang",
    "Page setup": "Thiết lập trang", "Next page": "Trang sau", "Previous page": "Trang trước",
    "First page": "Trang đầu", "Last page": "Trang cuối", "Fit width": "Vừa chiều rộng",
    "Fit page": "Vừa trang", "Zoom in": "Phóng to", "Zoom out": "Thu nhỏ", "Portrait": "Trang dọc",
    "Landscape": "Trang ngang", "Show single page": "Xem từng trang", "Show facing pages": "Xem hai trang",
    "Show overview of all pages": "Xem tất cả các trang", "Export to PDF": "Xuất PDF",
    "Printer": "Máy in", "&Name:": "Tên:", "P&roperties": "Thuộc tính", "Copies": "Số bản",
    "Print range": "Phạm vi in", "Print all": "In tất cả", "Pages from": "Từ trang", "to": "đến",
    "Options": "Tùy chọn", "Paper": "Giấy", "Orientation": "Hướng giấy", "Margins": "Lề",
    "Page size:": "Khổ giấy:", "Width:": "Rộng:", "Height:": "Cao:", "Custom": "Tùy chỉnh",
    "&Print": "In", "Print to File (PDF)": "In ra tệp (PDF)", "Collate": "Sắp theo bộ",
    "Reverse": "Đảo thứ tự", "Color Mode": "Chế độ màu", "Color": "Màu", "Grayscale": "Đen trắng",
    "Duplex Printing": "In hai mặt", "None": "Không", "Long side": "Cạnh dài", "Short side": "Cạnh ngắn",
    "Current Page": "Trang hiện tại", "Selection": "Vùng chọn", "Pages": "Trang", "Copies:": "Số bản:",
    "&Options >>": "Tùy chọn >>", "&Options <<": "Tùy chọn <<", "Print to File ...": "In ra tệp…",
    "Local file": "Tệp trên máy", "Write PDF file": "Ghi tệp PDF",
    # QUnixPrintWidget, QPrintPropertiesDialog, QPageSetupWidget (the print dialog on Linux; issue 13)
    "All Pages": "Tất cả các trang", "Even Pages": "Trang chẵn", "Odd Pages": "Trang lẻ", "Page &Set:": "Chọn trang:",
    "Double Sided Printing": "In hai mặt", "Off": "Tắt", "Long side binding": "Đóng gáy cạnh dài",
    "Short side binding": "Đóng gáy cạnh ngắn", "Location:": "Vị trí:", "Type:": "Loại:",
    "Output &file:": "Tệp in ra:", "Output Settings": "Thiết lập bản in", "Preview": "Xem trước",
    "Page Layout": "Bố cục trang", "Pages &per sheet:": "Số trang trên một tờ:", "Page &order:": "Thứ tự trang:",
    "Paper source:": "Khay giấy:", "Reverse landscape": "Ngang, xoay ngược", "Reverse portrait": "Dọc, xoay ngược",
    "Millimeters (mm)": "Mi-li-mét (mm)", "Inches (in)": "In-sơ (in)", "Points (pt)": "Điểm (pt)",
    "Left to Right, Top to Bottom": "Trái sang phải, trên xuống dưới",
    "Left to Right, Bottom to Top": "Trái sang phải, dưới lên trên",
    "Right to Left, Bottom to Top": "Phải sang trái, dưới lên trên",
    "Right to Left, Top to Bottom": "Phải sang trái, trên xuống dưới",
    "Bottom to Top, Left to Right": "Dưới lên trên, trái sang phải",
    "Bottom to Top, Right to Left": "Dưới lên trên, phải sang trái",
    "Top to Bottom, Left to Right": "Trên xuống dưới, trái sang phải",
    "Top to Bottom, Right to Left": "Trên xuống dưới, phải sang trái",
    "Print Preview Dialog": "Xem trước khi in", "Advanced": "Nâng cao", "Job": "Lệnh in", "Page": "Trang",
    "Properties": "Thuộc tính", "Printer Properties": "Thuộc tính máy in", "Job Options": "Tùy chọn lệnh in",
    "Print selection": "In vùng chọn", "Print current page": "In trang hiện tại",
    "Print to File (Postscript)": "In ra tệp (PostScript)", "Bottom margin": "Lề dưới", "Top margin": "Lề trên",
    "Left margin": "Lề trái", "Right margin": "Lề phải", "Output": "Bản in", "Page size": "Khổ giấy",
    "Paper size": "Khổ giấy", "Print to File": "In ra tệp",
    # QFileDialog (Qt's own dialog where the system has none: choosing export files and backup folders)
    "&Look in:": "Tìm trong:", "Look in:": "Tìm trong:", "File &name:": "Tên tệp:", "Files of &type:": "Loại tệp:",
    "Directory:": "Thư mục:", "&Choose": "Chọn", "&Open": "Mở", "Back": "Quay lại", "Forward": "Tiến tới",
    "Parent Directory": "Thư mục cha", "Create New Folder": "Tạo thư mục mới", "List View": "Dạng danh sách",
    "Detail View": "Dạng chi tiết", "Name": "Tên", "Size": "Kích thước", "Type": "Loại",
    "Date Modified": "Ngày sửa", "Files": "Tệp", "Sidebar": "Thanh bên", "&Rename": "Đổi tên", "&Delete": "Xóa",
    "Show &hidden files": "Hiện tệp ẩn", "&New Folder": "Thư mục mới", "New Folder": "Thư mục mới",
    "Show Size": "Hiện kích thước", "Show Type": "Hiện loại", "Show Date Modified": "Hiện ngày sửa",
    "Computer": "Máy tính", "My Computer": "Máy tính", "Folder": "Thư mục", "File Folder": "Thư mục",
    "File": "Tệp", "%1 File": "Tệp %1", "Drive": "Ổ đĩa", "Unknown": "Không rõ", "Shortcut": "Lối tắt",
    "Directories": "Thư mục", "All Files (*)": "Mọi tệp (*)", "Recent Places": "Nơi dùng gần đây",
    "Find Directory": "Chọn thư mục", "Save As": "Lưu thành",
    "%1 already exists.\nDo you want to replace it?": "Tệp %1 đã có.\nGhi đè lên tệp đó?",
    "%1\nFile not found.\nPlease verify the correct file name was given.":
        "%1\nKhông tìm thấy tệp.\nHãy kiểm tra lại tên tệp.",
    "%1\nDirectory not found.\nPlease verify the correct directory name was given.":
        "%1\nKhông tìm thấy thư mục.\nHãy kiểm tra lại tên thư mục.",
    "Are you sure you want to delete '%1'?": "Xóa “%1”?",
    "'%1' is write protected.\nDo you want to delete it anyway?": "“%1” đang được bảo vệ chống ghi.\nVẫn xóa?",
    "Could not delete directory.": "Không xóa được thư mục.",
}


_QM_MAGIC = bytes([0x3C, 0xB8, 0x64, 0x18, 0xCA, 0xEF, 0x9C, 0x95, 0xCD, 0x21, 0x1C, 0xBF, 0x60, 0xA1, 0xBD, 0xDD])
_TAG_HASHES, _TAG_MESSAGES, _TAG_END, _TAG_TRANSLATION, _TAG_SOURCE = 0x42, 0x69, 1, 3, 6


def _elf_hash(data: bytes) -> int:
    """Qt's hash of a source text in a .qm file."""
    h = 0
    for b in data:
        h = ((h << 4) + b) & 0xFFFFFFFF
        g = h & 0xF0000000
        if g:
            h ^= g >> 24
        h &= ~g & 0xFFFFFFFF
    return h or 1


def build_qm(texts: dict[str, str]) -> bytes:
    """A compiled Qt translation (.qm) holding texts for any context.

    Written here rather than by lrelease so nothing but Python is needed at build time; a message without a
    context tag answers in every context. (Overriding QTranslator.translate in Python is not an option:
    PySide 6.12 loses a reference to None on every call and the process later aborts.)
    """
    messages = bytearray()
    hashes: list[tuple[int, int]] = []
    for source, translation in texts.items():
        src = source.encode("utf-8")
        hashes.append((_elf_hash(src), len(messages)))
        tr = translation.encode("utf-16-be")
        messages += bytes([_TAG_TRANSLATION]) + len(tr).to_bytes(4, "big") + tr
        messages += bytes([_TAG_SOURCE]) + len(src).to_bytes(4, "big") + src
        messages += bytes([_TAG_END])
    hashes.sort()
    table = b"".join(h.to_bytes(4, "big") + o.to_bytes(4, "big") for h, o in hashes)
    return (_QM_MAGIC + bytes([_TAG_HASHES]) + len(table).to_bytes(4, "big") + table
            + bytes([_TAG_MESSAGES]) + len(messages).to_bytes(4, "big") + bytes(messages))


class _Translator(QTranslator):
    """A QTranslator that keeps its .qm bytes alive (Qt does not copy them)."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        self.data = data
        if not self.load(data):
            raise RuntimeError("bản dịch giao diện không nạp được")


_translator: _Translator | None = None


def install_vietnamese(app: QCoreApplication) -> None:
    """Vietnamese locale (calendar, month names) and the translation of Qt's own texts."""
    global _translator  # one per process; Qt keeps only a pointer, so Python must hold the object
    # By name: QLocale.Language and QLocale.Country would build two enums of ~350 and ~260 members at start-up.
    QLocale.setDefault(QLocale("vi_VN"))
    if _translator is None:
        _translator = _Translator(build_qm(QT_TEXTS))
        app.installTranslator(_translator)


def _box(parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str, details: str = "") -> QMessageBox:
    box = QMessageBox(icon, title or APP_TITLE, text, QMessageBox.StandardButton.NoButton, parent)
    if details:
        box.setDetailedText(details)
    return box


def inform(parent: QWidget | None, text: str, title: str = APP_TITLE) -> None:
    """A notice with one button "Đóng"."""
    box = _box(parent, QMessageBox.Icon.Information, title, text)
    box.addButton("Đóng", QMessageBox.ButtonRole.AcceptRole)
    box.exec()


def warn(parent: QWidget | None, text: str, title: str = APP_TITLE, details: str = "") -> None:
    """A refusal or problem, with one button "Đóng"."""
    box = _box(parent, QMessageBox.Icon.Warning, title, text, details)
    box.addButton("Đóng", QMessageBox.ButtonRole.AcceptRole)
    box.exec()


def ask(parent: QWidget | None, text: str, *, yes: str = "Đồng ý", no: str = "Hủy", title: str = APP_TITLE,
        danger: bool = False) -> bool:
    """A yes/no question with Vietnamese buttons; True for yes. The safe answer is the default."""
    box = _box(parent, QMessageBox.Icon.Warning if danger else QMessageBox.Icon.Question, title, text)
    yes_b = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    no_b = box.addButton(no, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(no_b if danger else yes_b)
    box.setEscapeButton(no_b)
    box.exec()
    return box.clickedButton() is yes_b


def error_text(error: BaseException) -> tuple[str, bool]:
    """The Vietnamese sentence for an error, and whether it is our fault (a bug) rather than the user's."""
    from danvan_desktop.services.errors import ServiceError, ValidationError
    from danvan_desktop.store.errors import StoreError

    if isinstance(error, ValidationError):
        return "Dữ liệu chưa hợp lệ:\n• " + "\n• ".join(e.message for e in error.errors), False
    if isinstance(error, ServiceError | StoreError):
        return str(error), False
    if isinstance(error, OSError):
        return (f"Không đọc, ghi được tệp: {error.strerror or error}. Hãy kiểm tra ổ đĩa còn chỗ trống và tệp "
                "không bị chương trình khác mở."), False
    if error.__class__.__name__ == "OperationalError":  # SQLAlchemy wraps a locked or read-only file
        return ("Không ghi được vào cơ sở dữ liệu (tệp đang bị khóa hoặc ổ đĩa đầy). Dữ liệu đã nhập chưa mất; "
                "hãy thử lại sau ít phút."), False
    return ("Chương trình gặp lỗi không mong muốn. Dữ liệu đã lưu trước đó không bị ảnh hưởng. "
            "Hãy chụp màn hình phần chi tiết và gửi cho người hỗ trợ."), True


def show_failure(parent: QWidget | None, failure: TaskFailure | BaseException) -> None:
    """Show a background task's failure: the user's message, plus details when it is a bug."""
    if isinstance(failure, TaskFailure):
        err, details = failure.error, failure.details
    else:
        err, details = failure, ""
    text, bug = error_text(err)
    warn(parent, text, details=details if bug else "")
