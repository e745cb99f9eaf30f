"""Remove personal data from free text before it is shown to the public (三公开).

``redact(text)`` is the one function every public output (disclosure, tracking by code,
Open311) passes free text through. It removes, in this order:

* e-mail addresses and chat accounts (微信号/QQ) -> ``[邮箱]`` / ``[账号]``;
* 18-digit (and old 15-digit) ID-card numbers, with an ``X`` and with spaces or dashes ->
  ``[身份证号]``;
* licence plates (赣B·12345, 京A12345, new-energy 粤B·D12345 / 粤BD12345F) -> ``[车牌]``;
* phone numbers: mobile (with +86/0086, spaces, dashes, dots), landline with area code
  ((0797)8123456, 0797-8123456 转 123) -> ``[电话]``; any other run of seven or more digits
  (also full-width or Chinese numerals: 幺三八……) -> ``[号码]``;
* house numbers and detailed addresses (3栋2单元501室, 12号楼, A座1203, 红旗大道88号, 3-2-501,
  楼上502) -> ``[地址]``; the estate or road name before them stays (it is the place of the
  matter, not of a person);
* names: after a cue (我叫, 本人, 姓名, 联系人, 经办人, ...), before an honorific (陈女士 ->
  某女士, 张建军师傅 -> 某师傅), and person names jieba recognizes that start with a common
  surname -> ``[姓名]``.

What survives on purpose: dates (2026-03-05, 2026年3月5日, 20260305), times, amounts
(15000元), percentages, 13-digit ticket codes (``domain.ticket.is_valid_code``), standard numbers
(GB/T 33358-2016), document numbers (国办发〔2020〕53号), hotline numbers of five digits (12345).

The rules err on the side of removing too much: a public page that says "某主任" instead of
"班主任" is a small loss, a phone number on it is not. ``redact`` is idempotent.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from typing import Any

from chalicelib.domain.ticket import is_valid_code

NAME = "[姓名]"
PHONE = "[电话]"
NUMBER = "[号码]"
ID_CARD = "[身份证号]"
PLATE = "[车牌]"
EMAIL = "[邮箱]"
ACCOUNT = "[账号]"
ADDRESS = "[地址]"
SOMEONE = "某"

# common single-character surnames (百家姓, the few hundred that cover nearly everyone)
_SURNAMES_1 = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴"
    "莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪"
    "梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤穆司卓缪芦褚娄窦戚岑宫"
    "费卜晏卫柏宗瞿桂佟臧闵苟邬卞姬仇栾隋刁荣巫寇桑郎甄丛虞敖巩佘苑迟邝谈匡鞠荆冀郁胥南班储栗燕楚鄢谌"
    "奚粟冼蔺厉伊仝郜阚权强帅屠朴盖练廉禹祖漆丰卿狄平宣晋扈晁芮阙浦戈伏鹿薄邸雍辜裘亓邰赫杭逯茹嵇茅"
)
# the hundred most common: enough evidence to take the characters after them as a given name
_SURNAMES_TOP = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金"
    "石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_SURNAMES_2 = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 令狐 长孙 宇文 司徒 夏侯 轩辕 端木"
    " 独孤 南宫 西门 百里 呼延 澹台 公冶 申屠 太史 钟离 闻人 濮阳 赫连 万俟 第五 鲜于"
    " 闾丘 东郭 左丘 梁丘 拓跋".split()
)

# characters that end a name taken after a cue ("张三反映" -> 张三); rare in given names
_NAME_STOP = frozenset(
    "的是在住家于和与及因从已来去说请向要想等了着过也都就还又被把给对为反投举电手联身现今年月日号"
    "先女老师们个位名某这那其该各此即将到至自由所以但而且或并经已曾再同样"
)
_HAN = r"\u4e00-\u9fff"

# who is named: cues after which a name follows
_NAME_CUES = (
    "我的名字叫", "我的名字是", "名字叫", "我叫", "我是", "本人叫", "本人是", "本人",
    "名叫", "叫做", "姓名", "联系人", "户主", "业主", "申请人", "投诉人", "举报人", "反映人",
    "诉求人", "来电人", "当事人", "收件人", "签名", "署名", "经办人", "承办人", "办理人",
    "负责人", "接待人", "回复人", "联系人员", "家属", "患者", "租户", "房东",
    "母亲", "父亲", "妻子", "丈夫", "爱人", "儿子", "女儿", "老婆", "老公", "哥哥", "姐姐",
    "弟弟", "妹妹",
    # a title before a name (物业经理王建国); only followed by a surname
    "经理", "主任", "书记", "队长", "队员", "科长", "局长", "所长", "站长", "村长", "镇长", "组长",
    "老板", "老师", "医生", "民警", "警官", "保安", "网格员", "工作人员", "司机", "师傅",
)
# cues so strong that whatever Han characters follow are taken as a name, surname or not
_STRONG_CUES = frozenset(
    {"我的名字叫", "我的名字是", "名字叫", "我叫", "本人叫", "名叫", "姓名", "联系人", "签名",
     "署名", "经办人", "承办人", "办理人", "联系人员", "收件人"}
)
_HONORIFICS = (
    "女士", "先生", "小姐", "师傅", "阿姨", "大爷", "大妈", "大娘", "大姐", "大哥", "奶奶", "爷爷",
    "老师", "医生", "经理", "主任", "书记", "队长", "科长", "局长", "所长", "站长", "村长", "镇长",
    "组长", "老板", "律师", "同志", "总", "某",
)
# words that look like surname + honorific but are not a person
_NOT_NAMES = frozenset({"班主任", "车主任", "所所长", "总经理", "总书记", "村支书记", "党支部书记"})
_PLACE_SUFFIXES = tuple("区县镇市局路街村乡氏省州厅处科院所站队组委会社校馆园城港湾山河江湖桥门")

_CN_DIGITS = "零〇一二三四五六七八九幺两"
_DIGIT = rf"[0-9０-９{_CN_DIGITS}]"
_SEP = r"[ \t\u3000\-－—–.·•]"

_PROTECT_BASE = 0xE000  # private-use characters stand in for protected spans while rules run
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")

_DATE = re.compile(
    r"(?<![0-9０-９])((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?(?![0-9０-９])"
)
_COMPACT = re.compile(r"(?<![0-9０-９A-Za-z])\d{8}(?![0-9０-９A-Za-z])")
_TICKET = re.compile(r"(?<![0-9０-９A-Za-z])\d{13}(?![0-9０-９A-Za-z])")
_STANDARD = re.compile(
    r"(?:GB|DB\d{0,2}|JGJ|CJJ|HJ|GA|JT|YY)(?:\s*/\s*[TZ])?\s*\d{2,6}(?:\.\d+)?\s*[-—]\s*(?:19|20)\d{2}",
    re.IGNORECASE,
)

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+\s*[@＠]\s*[A-Za-z0-9\-]+(?:\s*[.。]\s*[A-Za-z0-9\-]+)+")
_ACCOUNT = re.compile(
    r"((?:微信号?|微信ID|QQ号?|qq号?|扣扣|wechat|WeChat|vx|VX|wx|WX)\s*(?:号码|号|是|为)?\s*[:：]?\s*)"
    r"[A-Za-z0-9_\-]{5,}"
)
_ID_CARD = re.compile(
    rf"(?<![0-9０-９A-Za-z])(?:[0-9０-９]{_SEP}?){{17}}[0-9０-９Xx×ｘＸ](?![0-9０-９A-Za-z])"
    rf"|(?<![0-9０-９A-Za-z])(?:[0-9０-９]{_SEP}?){{14}}[0-9０-９](?![0-9０-９A-Za-z])"
)
_PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领"
_PLATE = re.compile(
    rf"[{_PLATE_PROVINCES}]\s*[A-Za-zＡ-Ｚａ-ｚ]\s*[·•・.\-\s]?\s*[A-Za-z0-9０-９Ａ-Ｚ]{{5,7}}[挂学警港澳领试超]?"
    r"(?![A-Za-z0-9])"
)
_MOBILE = re.compile(
    rf"(?:(?:(?:\+|＋)\s*86|0086|（\s*\+?86\s*）|\(\s*\+?86\s*\)|(?<![0-9０-９])86){_SEP}*)?"
    rf"(?<![0-9０-９])1[3-9０-９](?:{_SEP}?[0-9０-９]){{9}}(?![0-9０-９])"
)
_LANDLINE = re.compile(
    r"(?:[(（]\s*0\d{2,3}\s*[)）]|(?<![0-9０-９])0\d{2,3})\s*[-－—]?\s*\d{3,4}\s*[-－—]?\s*\d{4}(?![0-9０-９])"
    r"(?:\s*(?:转|-|ext\.?|分机)\s*\d{1,5})?"
)
_LONG_NUMBER = re.compile(
    rf"(?<![0-9０-９{_CN_DIGITS}]){_DIGIT}(?:{_SEP}?{_DIGIT}){{6,}}(?![0-9０-９{_CN_DIGITS}])"
)
_AMOUNT_AFTER = re.compile(
    r"\s*(?:元|万|亿|千|百|%|％|‰|平方|㎡|米|公里|千米|吨|公斤|千克|斤|亩|人次|余)"
)

# detailed addresses: runs of "number + unit" (3栋2单元501室, 12号楼, A座1203)
_NUM = r"(?:[A-Za-zＡ-Ｚ]{1,2}[0-9０-９]*|[0-9０-９]+[A-Za-z]?)"
_CN_NUM = r"[一二三四五六七八九十百零〇两]+"
_STRONG_UNIT = r"(?:号楼|号院|号房|栋|幢|座|单元|室)"
_WEAK_UNIT = r"(?:楼|层|号(?!线|文|令|件|窗|台|桌|机|码|公告|通知|令)|户|组|排|院|弄)"
_COMPONENT = (
    rf"(?:{_NUM}\s*(?:{_STRONG_UNIT}|{_WEAK_UNIT})|{_CN_NUM}\s*(?:号楼|栋|幢|单元)"
    rf"|{_CN_NUM}(?:楼|层|号(?!线|文|令|件|窗|台)))"
)
_ADDRESS_RUN = re.compile(
    rf"(?<![0-9０-９A-Za-z]){_COMPONENT}(?:\s*[-－—之]?\s*{_COMPONENT})*(?:\s*[-－—]?\s*[0-9０-９]{{2,5}}(?!\s*[年月日时分秒元%]))?"
)
_STRONG_IN_RUN = re.compile(rf"{_STRONG_UNIT}")
_DASHED_ADDRESS = re.compile(
    r"(?<![0-9０-９\-－—])[0-9０-９]{1,3}\s*[-－—]\s*[0-9０-９]{1,2}\s*[-－—]\s*[0-9０-９]{3,4}(?![0-9０-９\-－—])"
)
_ROAD_NUMBER = re.compile(
    r"(?<=[路街道巷弄里村组])\s*[0-9０-９一二三四五六七八九十百]+(?:\s*[-－—之]\s*[0-9０-９]+)?\s*号(?:院|楼)?"
)
_NEIGHBOUR_ROOM = re.compile(
    r"(?<=楼上|楼下|隔壁|对门|对面|住在|家住|住址|地址)\s*[:：]?\s*[0-9０-９]{3,4}(?![0-9０-９])"
)

_cue_pattern = re.compile(
    "(" + "|".join(sorted((re.escape(c) for c in _NAME_CUES), key=len, reverse=True)) + r")"
    r"(\s*(?:[:：]|是|为|叫|姓)?\s*)"
)
_honorific_pattern = re.compile("(" + "|".join(sorted(_HONORIFICS, key=len, reverse=True)) + ")")
_ascii_name = re.compile(r"[A-Za-z][A-Za-z .'\-]{1,30}")

_lock = threading.Lock()
_pos_tokenizer: Any = None


def redact(text: str) -> str:
    """``text`` without names, phone numbers, ID numbers, plates, addresses, e-mails, accounts."""
    if not text:
        return text
    text = _PRIVATE_USE.sub("", str(text))
    text = _EMAIL.sub(EMAIL, text)
    text = _ACCOUNT.sub(lambda m: m.group(1) + ACCOUNT, text)
    text = _ID_CARD.sub(_id_card, text)  # before dates are protected: an ID holds a birth date
    kept: list[str] = []
    text = _protect(text, kept)
    text = _PLATE.sub(PLATE, text)
    text = _MOBILE.sub(PHONE, text)
    text = _LANDLINE.sub(PHONE, text)
    text = _LONG_NUMBER.sub(_long_number, text)
    text = _redact_addresses(text)
    text = _redact_names(text)
    return _restore(text, kept)


# ---- protected spans -------------------------------------------------------------------------

def _protect(text: str, kept: list[str]) -> str:
    def keep(match: re.Match) -> str:
        kept.append(match.group(0))
        return chr(_PROTECT_BASE + len(kept) - 1)

    def keep_date(match: re.Match) -> str:
        month, day = int(match.group(2)), int(match.group(3))
        return keep(match) if 1 <= month <= 12 and 1 <= day <= 31 else match.group(0)

    def keep_compact(match: re.Match) -> str:
        return keep(match) if _valid_date(match.group(0)) else match.group(0)

    def keep_ticket(match: re.Match) -> str:
        s = match.group(0)
        ok = is_valid_code(s) and 1 <= int(s[2:4]) <= 12 and 1 <= int(s[4:6]) <= 31
        return keep(match) if ok else s

    text = _STANDARD.sub(keep, text)
    text = _DATE.sub(keep_date, text)
    text = _TICKET.sub(keep_ticket, text)
    return _COMPACT.sub(keep_compact, text)


def _restore(text: str, kept: list[str]) -> str:
    if not kept:
        return text
    return _PRIVATE_USE.sub(lambda m: kept[ord(m.group(0)) - _PROTECT_BASE], text)


# ---- numbers and addresses -------------------------------------------------------------------

def _valid_date(yyyymmdd: str) -> bool:
    return (yyyymmdd[:2] in ("19", "20") and 1 <= int(yyyymmdd[4:6]) <= 12
            and 1 <= int(yyyymmdd[6:8]) <= 31)


def _id_card(match: re.Match) -> str:
    """An ID number has a birth date inside (a 15-digit one without the century)."""
    normal = unicodedata.normalize("NFKC", match.group(0)).replace("×", "X")
    digits = re.sub(r"[^0-9Xx]", "", normal)
    birth = digits[6:14] if len(digits) == 18 else "19" + digits[6:12]
    return ID_CARD if _valid_date(birth) else match.group(0)


def _long_number(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    mobile_like = len(digits) == 11 and digits.startswith("1")
    if not mobile_like and len(digits) < 15 and _AMOUNT_AFTER.match(match.string, match.end()):
        return match.group(0)
    return NUMBER


def _redact_addresses(text: str) -> str:
    text = _DASHED_ADDRESS.sub(ADDRESS, text)
    text = _ROAD_NUMBER.sub(ADDRESS, text)

    def run(match: re.Match) -> str:
        s = match.group(0)
        components = re.findall(_COMPONENT, s)
        trailing_room = bool(re.search(r"[0-9０-９]{2,5}$", s)) and not re.search(
            rf"{_COMPONENT}$", s
        )
        if _STRONG_IN_RUN.search(s) or len(components) >= 2 or trailing_room:
            return ADDRESS
        return s

    text = _ADDRESS_RUN.sub(run, text)
    return _NEIGHBOUR_ROOM.sub(ADDRESS, text)


# ---- names -----------------------------------------------------------------------------------

def _surname_at(text: str, i: int) -> int:
    """Length of the surname starting at ``text[i]`` (2 for 欧阳, 1 for 王), 0 if none."""
    if text[i:i + 2] in _SURNAMES_2:
        return 2
    return 1 if i < len(text) and text[i] in _SURNAMES_1 else 0


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _name_after(text: str, i: int, strong: bool) -> int:
    """Length of the name starting at ``text[i]`` after a cue, 0 if none is there."""
    if i >= len(text):
        return 0
    if strong and _ascii_name.match(text, i):
        return len(_ascii_name.match(text, i).group(0).rstrip(" .-'"))
    if text.startswith(_NAME_CUES, i):
        return 0  # "联系人母亲：钱秀英": the next cue names the person
    surname = _surname_at(text, i)
    if not surname and not strong:
        return 0
    start = i + (surname or 1)
    if not surname and (not _is_han(text[i]) or text[i] in _NAME_STOP):
        return 0
    end = start
    while (end < len(text) and end - start < 2 and _is_han(text[end])
           and text[end] not in _NAME_STOP):
        end += 1
    if end == start and not surname:
        return 0
    if end == start and not strong:
        return 0  # a bare surname after a weak cue ("老板王") is too little to tell
    return end - i


def _redact_names(text: str) -> str:
    out: list[str] = []
    pos = 0
    for match in _cue_pattern.finditer(text):
        if match.start() < pos:
            continue
        cue = match.group(1)
        at = match.end()
        length = _name_after(text, at, cue in _STRONG_CUES)
        if not length:
            continue
        out.append(text[pos:at])
        out.append(NAME)
        pos = at + length
    out.append(text[pos:])
    text = "".join(out)
    text = _apply_splices(text, _honorific_pattern, _honorific)
    return _jieba_names(text)


def _honorific(match: re.Match) -> tuple[int, str]:
    """(how many characters before the title to drop, the replacement for the title)."""
    text, start = match.string, match.start()
    title = match.group(1)
    if title in ("总", "某"):
        # 王总 / 李某 only when the surname stands alone: not 总 in 总经理, 某 in 某某
        alone = (start >= 1 and text[start - 1] in _SURNAMES_1
                 and (start < 2 or not _is_han(text[start - 2])))
        return (1, SOMEONE + title) if alone else (0, title)
    # 王小红女士, 李华女士: a common surname two or three characters back takes the given name
    # along; otherwise only the character right before the title (居民陈女士 -> 居民某女士)
    for k in (3, 2, 1):
        if start - k < 0:
            continue
        candidate = text[start - k:start]
        if not all(_is_han(c) for c in candidate) or candidate + title in _NOT_NAMES:
            continue
        surname = _surname_at(candidate, 0)
        if k > 1 and surname == 1 and candidate[0] not in _SURNAMES_TOP:
            continue
        if surname and all(c not in _NAME_STOP for c in candidate[surname:]):
            return k, SOMEONE + title
    return 0, title


def _apply_splices(text: str, pattern: re.Pattern, fn) -> str:
    """Like ``pattern.sub(fn, text)`` where ``fn`` may also drop characters before the match."""
    out: list[str] = []
    pos = 0
    for match in pattern.finditer(text):
        back, replacement = fn(match)
        cut = max(pos, match.start() - back)
        out.append(text[pos:cut])
        out.append(replacement)
        pos = match.end()
    out.append(text[pos:])
    return "".join(out)


def _get_pos_tokenizer() -> Any:
    """POS tagging on the classifier's process-wide jieba tokenizer (one dictionary load)."""
    global _pos_tokenizer
    if _pos_tokenizer is None:
        with _lock:
            if _pos_tokenizer is None:
                import jieba.posseg

                from .classify import _get_tokenizer
                _pos_tokenizer = jieba.posseg.POSTokenizer(_get_tokenizer())
    return _pos_tokenizer


def _jieba_names(text: str) -> str:
    """Person names jieba tags (nr*) that start with a common surname and are not places."""
    if not re.search(f"[{_HAN}]", text):
        return text
    out: list[str] = []
    for pair in _get_pos_tokenizer().cut(text):
        word, flag = pair.word, pair.flag
        if (flag.startswith("nr") and 2 <= len(word) <= 4 and _surname_at(word, 0)
                and not word.endswith(_PLACE_SUFFIXES) and all(_is_han(c) for c in word)
                and word not in ("某某",)):
            out.append(NAME)
        else:
            out.append(word)
    return "".join(out)
