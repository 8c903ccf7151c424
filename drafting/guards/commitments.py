"""The commitment guard: find every promise in a draft and check it against what policy allows.

A promise is money in any currency and form (¥30, 30元, 壹仟元, 一千块, thirty yuan, $5, HK$100, 1k) given as
a refund, coupon or compensation; a multiple or percentage of the price (双倍赔偿, 150% refund) or a
discount (8折, 20% off); a full or partial refund (for the item or the whole order); coupons with their count,
threshold and validity (10张30元优惠券, 满100减20, valid for one month); free orders and free periods (免单,
next ten orders free, 免费配送一个月); membership grants (一年会员); and every time promise — a duration
(3天内到账, within five minutes, 5-7 days: the upper bound), or a deadline (today, by Friday, 下周一之前,
12月5日前, before 6 pm) resolved against a reference time so it can be judged. "马上", "right away" alone are
not deadlines: they promise effort, not a time anyone can check; money said to arrive at once (172块马上到,
实时到账, "lands instantly") or replies "in seconds" (秒回) are, a deadline of now. A duration without a number
("a few minutes", 几天) is read as that many of its unit, so it can be judged.

How: the text is normalised (drafting/text/numbers.py) with a map back to the original offsets; numbers are
tokenised and given their unit (currency, percent, multiple, duration, count); each amount is then classified
by a small grammar over its clause — a remedy noun or a verb of giving makes it a promise, a fact or a
threshold next to it ("your 86-yuan order", 满100, "orders over 50 yuan", "45 minutes late") does not. The
words live in drafting/guards/lexicon/commitments.yaml. Every pattern is bounded, context words are scanned lazily
near the amounts that need them, and every look-up is bucketed, so the guard is linear in the text length
(a megabyte of digits or words in well under a second; tests/test_commitments.py).

A promise in quotation marks is still a promise to the reader, unless its sentence attributes it to someone
else AND declines it ("您提到的“赔偿1000元”，我们无法承诺"). A colleague's promise passed on (工作人员说会给您退…,
"my colleague said we'd refund you") is ours too, unless its sentence or the next corrects or declines it.

After the grammar, a safety net (_SafetyNet) denies by default what the grammar left unclassified: money in
any form (转您100块, 0.5万, 两百大洋, "a tenner", "send over 40 to your PayPal") in a clause that gives, names a
remedy or commits is held as unbacked unless something shows it is a fact (done: 已/already; a price, fee or
the order's value; a threshold; a rate; the customer's demand; a question; a refusal); a duration or deadline
in a sentence that commits the brand ("30秒内接入", "两天内到", 钱今晚到) is a time promise; a benefit with no
amount (免单, 这单不要钱, 终身VIP, 补发一份) is a free order or a membership. A statement's headline and the
passages after "what happened / why / what we are doing" describe the incident and our own work, so promises
there count only where a clause speaks to the reader.

Last comes the net for phrasing nobody has seen (drafting/guards/unrecognised.py): a sentence — or a clause that
gives on its own — offering a sum, a multiple or a share of the price, a count of free things, a period or a
time bound, from which the grammar read nothing, is an `unrecognised` promise, held as unbacked with its span
and a reason for the reviewer, unless a cue shows it is a fact (a price, the incident's times, an instruction…);
so is what a committing clause leaves over beside a promise read (a free thing, an extra, an unbound time, a scope of
several orders, a tier, a validity). Coupons in the plural with no count read are more than the rule's one.

Gifts are judged together where they add up: each coupon rule grants one coupon, so several coupons offered in
one sentence exceed beyond the rules' number, and refunds of named sums in one sentence may not pass the order.

Judging is default-deny: each promise is backed (naming the rule), exceeds (more than the rule allows —
naming it) or unbacked (nothing grants anything like it, or it cannot be judged: a foreign currency — the
policy book pays in CNY — an amount with no order to compare it to, a deadline that cannot be resolved).

Time promises are remedies, response times and processing times only. A due date in a statement's action
list ("sealed lids — Min Wang owns it, done by 16 Nov"; "下次更新：11月14日18:00前") is about our own work
plan, not something owed to the customer: a deadline in a sentence naming an owner or a progress update
(own_work in the lexicon), or one already past, is a fact and is left unjudged. Durations need a word of
replying or processing in their clause, so "40 to 90 minutes late" and "orders doubled" stay facts.

The guard reads only the draft and the entitlements, never the prompt or the ticket text: an instruction
injected into a complaint cannot talk it into accepting a promise.

Modules: drafting/text/numbers.py (normaliser, numerals), drafting/guards/promise_text.py (lexicon, indexed text,
quantities), drafting/guards/deadlines.py (dates and relative deadlines), this module (the grammar: which
quantities and phrases are promises), drafting/guards/unrecognised.py (the last net: offers the grammar could
not read), drafting/guards/commitment_judge.py (backed / exceeds / unbacked).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, cast

from drafting.domain.models import Commitment, CommitmentType
from drafting.guards.commitment_judge import BOOK_CURRENCY, judge
from drafting.guards.deadlines import Deadline, find_deadlines
from drafting.guards.doubts import doubts, unread_minimum_spends
from drafting.guards.promise_text import (
    QUOTED,
    RANGE,
    SENTENCE_REACH,
    IndexedText,
    Quantity,
    SpanSet,
    compile_words,
    lexicon,
    plain,
    quantities,
    with_unit,
)
from drafting.guards.unrecognised import EXTRA_GIFT, unread_offers
from drafting.text.numbers import Number, normalise, parse_number, scan_numbers
from knowledge.cjk import is_cjk
from knowledge.policy import MONEY_TYPES, PolicyBook, Remedy

# How close (characters) a remedy word must sit to a multiple for the multiple to be about money: "双倍赔偿",
# "refund you double" — but not "退款申请是平时的6倍" (a fact about volumes).
MULTIPLE_REACH_CJK = 4
MULTIPLE_REACH_LATIN = 14


# ── the grammar ────────────────────────────────────────────────────────────────────────────────────

# what may sit between a fact word and its amount: 订单金额为86元, 实付了86元, 86元的订单, "order of $40"
_FACT_GAP = re.compile(r"[\s的为是共计合了:：]{0,3}|\s?(?:of|is|was|for|totall?ing|at)\s")
# what may sit between a verb of giving and its amount: 退您30块, 赔付您1000元, 给您退二十元, 给您账户里补了80元, "pay you 2,000 yuan"
_GIVING_GAP = re.compile(
    r"\s?(?:给|向)?\s?(?:您|你|you|u)?\s?(?:的?(?:账户|账号|余额|钱包)(?:里|上|中)?)?"
    r"(?:退|赔|补|打|转|送|发|充|存|an extra|an|a|another|再|额外|还|共|合计)?(?:了)?\s?(?:一张|一个|一笔|a|an)?\s?"
)
# between a coupon noun and the value it names: "store credit of 60 yuan", "a voucher worth", 代金券面值
_NAMES_VALUE = re.compile(r"\s?(?:of|worth|for|价值|面值|金额为?|额度为?)?\s?")
_READER = re.compile(r"您|你|(?<![a-z])(?:you|your|yours)(?![a-z])")
_EVERY = re.compile(r"(?<![a-z])(?:every|each|per)\s$")
# "500 CNY per passenger", 每人200元: a remedy shared out to each person is a promise, not a unit price
_PER_PERSON = r"(?:passenger|person|customer|guest|head|user|rider|travell?er|member|account|household|family|player|affected)s?(?![a-z])"
_UNIT_PRICE = re.compile(
    r"\s?(?:一[把个件份只盒瓶包斤支套]|每(?![人位名户])|/\s?[个件份只盒瓶包斤支套次月天]|per\s(?!" + _PER_PERSON + r")|each(?![a-z])|a piece)"
)
_EACH_AFTER = re.compile(r"\s?each(?![a-z])")
# a bare number a refund or a coupon names: "refund the (full) 86", "86 back to you", "a 30 voucher"
_BARE_REFUND_BEFORE = re.compile(r"\s(?:(?:you|u)\s)?(?:the\s)?(?:full\s|whole\s|entire\s)?")
_BARE_BACK_AFTER = re.compile(r"\s(?:back)(?![a-z])")
# a bare number in Chinese named by what follows it: 30的券, 50的红包, 50现金
_BARE_COUPON_AFTER_ZH = re.compile(r"\s?的?(?:无门槛|满减)?(?:优惠券|代金券|券|红包券)")
_BARE_CASH_AFTER_ZH = re.compile(r"\s?的?(?:现金)?(?:红包(?![券卷])|现金(?![券卷]))")
_BARE_COUPON_AFTER = re.compile(r"[\s-](?:cny |rmb |yuan |kuai )?(?:coupon|voucher|credit)s?(?![a-z])")
_BARE_COMPENSATION_AFTER = re.compile(r"[\s-](?:cny |rmb |yuan )?(?:payouts?|settlements?|compensation|goodwill payments?)(?![a-z])")
_REFUND_OF = re.compile(r"\s?(?:of\s|for\s)(?:the\s|your\s)?|\s?(?:您|你)?(?:的)?")
# right before a day: a free period that lasts to it ("runs to the end of March", "extended until", 顺延到)
_RUNS_UNTIL = re.compile(
    r"(?:(?<![a-z])(?:runs?|running|extend(?:ed|s)?|lasts?|valid|good|free)\s+(?:to|until|till|through|thru)\s+(?:the\s+)?(?:(?:end|middle|start)\s+of\s+)?"
    r"|(?:延长|顺延|延期|免费|有效期?)(?:到|至))$"
)
_REFUND_AFTER_GAP = re.compile(r"\s?(?:我们|我|这边|单独|全部|全额|都|会|将|也|给您|给你|马上|立刻|立即|很快|今天|明天|就|就能|能){0,4}")
_ARTICLE_BEFORE = re.compile(r"(?<![a-z])an?\s$")
_BARE_GIFT_GAP = re.compile(r"\s?(?:给)?(?:您|你|you|u)?\s?(?:(?:打|转|汇|发|退|赔|补|再)(?:款|账)?|another|an extra)?\s?")
_COUNTED = re.compile(
    r"\s?(?:[个名位人次件份条家台辆批把只支瓶包盒袋双套组本箱斤]|(?!(?:to|as|in|for|on|by|and|now|today|tonight|tomorrow|tmrw|tmr|within|this|next|asap|back|right|via|into|over|is|was|are|will|would|should|each|plus|more|extra)(?![a-z]))[a-z])"
)
_TIME_UNIT_MINUTES = {"minutes": 1, "hours": 60, "days": 1440, "business_days": 1440, "weeks": 7 * 1440, "months": 30 * 1440, "years": 360 * 1440}
# between a share of the price and the amount it comes to: "，也就是", "，就是", "，即", " — that's", ", "
_APPOSITION_GAP = re.compile(
    r"(?:\s?(?:your|the|order|value|amount|price|of|订单|金额|的|款)){0,4}\s?(?:作为(?:补偿|赔偿|歉意)|as (?:compensation|an apology|goodwill))?\s?[吧啊呀哈]?\s?[，,、:：—–-]?\s?(?:也就是说?|就是|即|共计|合计|i\.e\.,?|that is|that's|which is|namely|in total|total(?:ling|ing)?)?\s?(?:退|赔|返|给您|给你)?\s?"
)


# a sum then its share of the price in brackets or after a comma: "¥43 (half)", "43元（一半）"
_SHARE_AFTER_GAP = re.compile(r"\s?[(（,，—–-]\s?(?:i\.e\.,?\s|that's\s|即|也就是)?")
# a range of dates needs a second date after its marker: 11月11日到13日, "Dec 1 to Dec 3" (not 12月10日到账)
_DATE_RANGE = re.compile(
    RANGE.pattern + r"(?=[\d一二两三四五六七八九十]|周|星期|礼拜|mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
)
# right after a coupon's value: the coupon noun in the plural ("30-yuan coupons", "10 yuan vouchers")
_PLURAL_COUPONS = re.compile(r"[\s-]?(?:[a-z-]+\s){0,3}(?:coupons|vouchers)(?![a-z])")
# "your 30 yuan coupons": the customer's own, named again, not a grant
_YOUR_BEFORE = re.compile(r"(?<![a-z])(?:your|the|those|these)\s$")
# what a deadline in the same clause can bound: the gift itself
_GIFTS = frozenset(("refund", "coupon", "compensation", "free_order", "membership_extension", "discount"))
# what is paid out or issued, and so processed in days by a rule: a time of "at once" beside it is a time promise
_PAID_OUT = frozenset(("refund", "coupon", "compensation"))


def _minutes(value: Decimal, unit: str) -> Decimal:
    """A duration in minutes; seconds divide exactly (30 seconds is 0.5 minutes, not 0.4999…)."""
    return plain(value / 60) if unit == "seconds" else value * _TIME_UNIT_MINUTES[unit]


_PRICE_NAMED = re.compile(
    r"(?:您|你)?(?:的)?(?:订单|实付|商品)?(?:金额|价格|价钱)?的|(?:您|你)?(?:的)?(?:订单|实付|商品|餐费)(?:总?金额|总额|总价|价格|价钱)?|(?:退款|赔偿|补偿|赔付)?金额[:：]?|(?<![a-z])(?:you )?(?:your|the) order(?: value| amount| total| price)?|(?<![a-z])the price|(?<![a-z])(?:your|the) (?:[a-z]+ ){0,2}(?:price|fare|cost|total|order|ticket|amount|value)(?![a-z])"
)
# "$20 off $100", "a 20-yuan-off-100 coupon": an amount after "<amount> off" is the spend it comes off (满100减20)
_OFF_AMOUNT = re.compile(r"(?:\d|yuan|dollars?|bucks|rmb|cny|元|块)[- ]off[- ](?:(?:a|an|any|your|orders?|purchases?|spend(?:ing)?|of|over)\s){0,3}$")
# up to three words between an amount and its coupon noun: "a ¥20 no-threshold coupon", "30 yuan dining voucher"
_COUPON_ADJECTIVES = re.compile(r"(?:[\s-]?[a-z]+){1,3}\s?")
# 当天, 当日, "that day": anaphoric after a date told before it (5月6日…我们当天查明)
_THAT_DAY = re.compile(r"当天|当日|同一天|(?:that|the same) day")
_MONTH_DAY = re.compile(r"(\d{1,2})月(\d{1,2})[日号]")
THAT_DAY_REACH = 120
_EACH_AMOUNT_BEFORE = re.compile(r"(?:每张|每一张|每个|(?<=[，,、])\s?一张|(?<![a-z])each(?: one)?(?: worth| of)?)\s?$")
_EACH_BEFORE = re.compile(r"(?:每张|每份|每个|各|(?<![a-z])each)[^，。,.!?！？]{0,8}$")
# between a count and a coupon's value: "five 10-yuan coupons", "ten no-minimum 10 yuan coupons"
_COUNT_ADJECTIVES = re.compile(r"\s?(?:(?:[a-z]+-[a-z]+|no|free|extra|bonus|more|additional|new)\s){0,2}")
_COUNT_GAP = re.compile(r"\s?(?:of|worth|的)?\s?")
# a passage after a header (what happened, why, what we are doing) ends with its sentence; ";" only separates items
_WHEN_DONE = re.compile(r"\s?(?:on|at|于|在)?\s?")
# between an amount and a coupon noun: another gift begins (给你退50 另外送张券), so the noun is not the amount's
_NEXT_GIFT = re.compile(r"另外|(?<![配运发传输递护])送|(?<![a-z])(?:and|plus)(?![a-z])")
_NEXT_VERB = re.compile(r"\s(?:and|then)\s|[，,;；]|并|再")
# between "and" and a free benefit listed after a gift: an article or a count of one, nothing else
_LISTED_ARTICLE = re.compile(r"\s?(?:an?|one|一张|一个|一份|一次)?\s?")
_PASSAGE_END = re.compile(r"[。！？!?\n]|\.(?=\s|$)")
# A custom decision is matched sentence by sentence (and clause by clause after ；/;), each long enough that
# matching it is matching the decision, not a stock phrase.
_DECIDED_PARTS = re.compile(r"(?<=[。！？!?；;])|(?<=\.)\s+")
_DECIDED_MIN_CHARS = 8
# What backs a promise quoted word for word from the incident record (its actions, what happened …).
RECORD_BACKING = "incident record"
PASSAGE_REACH = 800
BOUND_REACH = 60  # characters back from a bare bound's sentence to the gift it bounds
BARE_BOUND = 12  # characters a clause may hold besides its duration and still be only a bound ("allow 3 business days")
REPEAT_REACH = 240  # characters back in which a refund said again ("退款24小时内到账") is the one promised before
HEADLINE_REACH = 160
# before a coupon's value: the coupon said before, named again (这张30元券, "that 30 yuan coupon")
PRICE_MATCH_REASON = "a price match (the difference to another price: a sum the draft does not name)"
# money promised with no sum, by what it pays for
UNNAMED_SUM_REASONS = {
    "expense_cover": "the customer's own costs paid (a sum the draft does not name)",
    "pledge": "money pledged whenever it happens again (a sum the draft does not name)",
}
APOLOGY_GIFT_REASON = "a gift in kind sent as an apology (a value the draft does not name)"
_PROLONGED = re.compile(r"顺延|延长|extend(?:ed|ing)?")
_ALREADY = re.compile(r"已经|早已|already")
_REFUSED_AFTER = re.compile(
    r"\s?(?:是|就|我们|也|实在|确实|真的|这边){0,3}(?:退|给|赔|补|发|返)不了|\s?(?:我们|也|实在|确实|真的|这边){0,3}(?:不能|无法|没法|没办法)(?:再)?(?:退|给|赔|补|发|返)"
    r"|\s(?:we |i )?(?:can't|cannot|can not|won't|are unable to|aren't able to) (?:refund|give|pay|cover|return)"
)
# a pledge a few words before a remedy — first-person ("we'll", "I can", "our team is going to", 我们会) or in the
# future whoever the subject: what the clause says about lateness or a condition ("for the late delivery", "if it
# doesn't arrive") is then why or when, not a fact
_PLEDGE_SUBJECT = re.compile(
    r"(?<![a-z])(?:we|i|our (?:[a-z]+ ){0,2}team|the team)(?:'ll|’ll|\swill|\scan|\sare going to|'re going to|’re going to|\sam going to|'m going to|’m going to|\sis going to|\sshall|'d like to|’d like to|\swould like to|'d be (?:happy|glad|pleased) to|\swould be (?:happy|glad|pleased) to)\s"
    r"|(?<![a-z])let (?:me|us)\s"
    # whoever the subject, a remedy said in the future is promised: "you'll be refunded", "everyone affected will
    # receive", "your account will be credited", "you can expect a refund", 大家都可以领到补偿, 稍后会有一笔补偿
    r"|(?:'ll|’ll|(?<![a-z])(?:will|shall|going to))\s(?:be\s|get\s|receive\s|have\s)?|(?<![a-z])(?:can|may) expect\s|^expect\s"
    # what the people affected get, said in the present ("all affected customers get their money back")
    r"|(?<![a-z])(?:you|everyone|everybody|(?:all )?(?:affected |the affected )?(?:customers|members|users|passengers|guests))\s(?:get|receive)s?\s"
    r"|(?:我们|我|这边|我这边|客服)(?:会|将|就|马上|立刻|一定|可以|来)+|(?:都|也|将|会|可以|能)(?:可以|能|会|将)?(?=领|收到|拿到|获得|得到|有一笔|给|退|补|赔|送|免|发|顺延)"
    # a grant told to the reader as done is still one to check against policy ("I've added 500 points to your
    # account", 已经给您账户加了500积分)
    r"|(?<![a-z])(?:i've|we've|i’ve|we’ve|i have|we have)\s(?:just\s|already\s)?(?:added|credited|put|set you up with)\s"
    r"|(?<![a-z])(?:you're|you’re|you are)\s(?:getting|receiving)\s"
    r"|(?:已经|已)(?:给|为|帮)(?:您|你)的?(?:账户|账号)里?(?=加|充|存|补)|(?:已经|已)(?:给|为|帮)(?:您|你)(?:申请|争取)(?:了|到)"
)
# words that open a clause of their own: the words around a remedy that carry one may not hold them
_OPENS_CLAUSE = "if|when|once|unless|because|since|and|but|or|so"
# the remedy first, its pledge right after ("a voucher will be sent to you", "the fee is going to be waived")
# (no other subject between: in "a free download you will need" the pledge is someone else's)
_PLEDGE_AFTER = re.compile(
    r"(?:\s(?!(?:" + _OPENS_CLAUSE + r"|you|we|i|they|he|she|it|that|which|who)\b)[a-z'’-]+){0,3}?"
    r"\s(?:will|'ll|’ll|shall|is going to|are going to)\s(?!not\b)"
)
# (nothing the customer must do in between: "you will need to request the refund" is an instruction)
_PLEDGE_GAP = re.compile(
    r"(?:(?!(?:not|never|" + _OPENS_CLAUSE + r"|need|needs|must|request|apply|claim|ask)\b)[a-z'’-]+\s?){0,5}"
    r"|[^不没如若，,。.]{0,8}"
)
PLEDGE_REACH = 24  # characters: twice this before a remedy word is where its pledge is looked for
# a remedy named as the subject of its own refusal ("A refund isn't something our policy gives here", "a full refund
# for this order is not available"): up to three words between, none of them starting a clause of its own
_REMEDY_REFUSED = re.compile(
    r"(?:\s(?!(?:" + _OPENS_CLAUSE + r"|as|that|it|they|we|you|i)\b)[a-z0-9'’-]+){0,3}?"
    r"\s(?:isn't|is not|isn’t|aren't|are not|aren’t|won't be|will not be)\s(?:something|anything|available|possible|an option|offered|on the table)"
)
_MARKDOWN = re.compile(r"mark(?:ed|ing)?\s.*down|markdown|降价|让利|打折|cut|reduced|slashed")
MARKDOWN_REACH = 24  # characters from "marked down" to the share it names ("…all items 30%")
_ARRIVES_BEFORE = re.compile(
    r"(?:land|arrive|reach you|be (?:back|credited|refunded|with you)|show up|hit your account)\s(?:on|in|by)?\s?(?:the\s)?$"
)
_ARRIVES_AFTER_ZH = re.compile(r"\s?(?:就|能|会|可以|都|也){0,3}(?:到账|退回|退到|送到|送达|寄到|到(?=$|[，。！!,.~～哈哦啊呀]))")
# 5分钟后查一下零钱, 两小时后看下您的支付宝: after a time, the reader is sent to look where money lands
_CHECK_MONEY_AFTER = re.compile(
    r"\s?(?:左右)?(?:之后|以后|后)[^，。,.!?！？]{0,6}?(?:查|看)(?:一下|一眼|下)?(?:您的|你的)?(?:零钱|余额|钱包|账户|银行卡|支付宝|微信|到账)"
)
_TIME_AFTER_THRESHOLD = re.compile(r"\s?[\d一二两三四五六七八九十半几]{1,4}\s?(?:个)?(?:分钟|小时|天|min|hour|day)")
# 多退您20元, "给您多退二十块": money beyond what is owed back, said as a refund — cash on top
# 一个月的免费会员, "a free Premium membership": the membership itself is what is free
_FREE_MEMBER = re.compile(r"(?:免费|free)\s?(?:的)?\s?(?:会员|vip|membership|premium|subscription|plus)")
_EXTRA_REFUND_BEFORE = re.compile(r"多(?:退|给|返|补|赔)(?:给)?(?:您|你)?(?:了)?\s?$")
PRICE_MATCH_SUM_REACH = 24  # characters after "we'll refund the difference" in which its sum may be named ("…, 2,400 yen")

_NAMED_AGAIN = re.compile(r"(?:这|那|该|此|(?<![a-z])(?:this|that)\s)\s?$", re.IGNORECASE)
# before a cash word in its clause: none of it is given (没有现金赔偿, "doesn't include cash", "no cash")
_NONE_OF = re.compile(r"没有|没|无|不含|不包括|(?<![a-z])(?:no|not|without)(?![a-z])|n't")
# right before an amount: it is added on to what came before ("plus a bonus 10 yuan", 外加20元, "and the 6 yuan fee")
_PLUS_BEFORE = re.compile(
    r"(?:(?<![a-z])(?:plus|as well as|along with|on top of that,?|and also|and)|加上|外加|再加|另加|另外加|以及|另外再?给(?:您|你)?)\s?(?:(?:a|an|another|the|your|extra|bonus|additional|额外)\s?){0,2}$"
)
# right before a multiple: it is paid again, on top (再赔一倍, "an extra 1x", "again")
_AGAIN_BEFORE = re.compile(r"(?:再|另外|额外|又|(?<![a-z])(?:again|extra|additional|on top|another))[^，。,.!?！？]{0,4}$")
# right before the cap of a discount: 最高抵扣20元, "up to 20 yuan off", "max 20 yuan"
_CAP_BEFORE = re.compile(r"(?:最高|最多|封顶|上限)(?:可)?(?:抵扣|抵|减|优惠)?\s?$|(?<![a-z])(?:up to|max(?:imum)?(?: of)?|capped at)\s$")
# before a share in its sentence: paid again, on top (再给您补偿订单金额的20%, 再补一半)
_AGAIN_NEAR = re.compile(r"(?:再|另外|额外|(?<![a-z])(?:again|extra|additional|on top))[^，。,.!?！？]{0,12}$")
_TO_READER = re.compile(r"[您你给]")
# the reader as the one paid (给您退了, "refunded 120 yuan to your card"), not as the owner of a record ("your
# refund was sent at 9:30", 系统显示您的退款已退回: a status read out)
_TO_READER_DONE = re.compile(r"给(?:您|你)|(?<![a-z])(?:to|refunded|paid|sent|credited) (?:you|your)(?![a-z])")
_QUESTION_END = re.compile(r"[?？]|[吗](?=[。！!?？]?$)")
# a sum named as compensation right after it (100元现金补偿, 每人50元补偿): given, whatever precedes it
_ZH_COMPENSATION_AFTER = re.compile(r"\s?的?(?:现金)?(?:补偿|赔偿|赔付|补贴|慰问金)")


def _multiple_gap(s: str, word_start: int, word_end: int, start: int, end: int) -> str:
    """The text between a multiple and the word it goes with, less any naming of the price (赔付订单金额的两倍,
    "pay you twice your order value")."""
    gap = s[word_end:start] if word_end <= start else s[end:word_start] if word_start >= end else ""
    return _PRICE_NAMED.sub("", gap)


def _coded(s: str, q: Quantity) -> bool:
    """A bare number glued to the Latin letters before it is part of a name or a code (EU261, CA1234,
    GB2312), not a sum; a currency written that way (RMB100, USD50) is read as money before this."""
    before = s[max(0, q.start - 1) : q.start]
    return q.kind == "bare" and before.isascii() and before.isalpha()


class _Extractor:
    def __init__(self, text: str, now: datetime) -> None:
        self.original = text
        self.now = now
        self.t = IndexedText(normalise(text))
        self.s = self.t.s
        self.found: list[Commitment] = []
        self.found_at = SpanSet()  # normalised span of each promise found → its index in self.found
        self.taken = SpanSet()  # normalised spans already part of a promise or a fact
        self.claimed = SpanSet()  # every promise ever found, also those later dropped as declined or quoted
        self.netted: set[tuple[int, int]] = set()  # original spans of the money the safety net caught
        # original spans of grants on terms no rule has (every week, never expires) → what the terms are
        self.open_terms: dict[tuple[int, int], str] = {}
        self.deadlines: list[Deadline] = []
        self.amounts: list[Quantity] = []
        self.order_amount: Decimal | None = None  # the ticket's order, when the caller knows it (check does)
        self.passages: SpanSet | None = None  # the headline and work-plan passages (work_plan), found once

    # ── helpers ──

    def add(self, kind: str, start: int, end: int, **values: Any) -> Commitment | None:
        if self.not_ours(start, end, kind):
            return None
        o_start, o_end = self.t.norm.span(start, end)
        for name in ("amount", "min_spend", "deadline_days"):
            if isinstance(values.get(name), Decimal):
                values[name] = plain(values[name])
        # The kinds come from lexicon keys; Commitment checks the value, the cast only tells the type checker.
        commitment = Commitment(type=cast(CommitmentType, kind), phrase=self.original[o_start:o_end], start=o_start, end=o_end, **values)
        self.found_at.add(start, end, len(self.found))
        self.found.append(commitment)
        self.taken.add(start, end)
        self.claimed.add(start, end)
        return commitment

    def not_ours(self, start: int, end: int, kind: str | None = None) -> bool:
        """A question to the customer, or someone else's words reported: not a promise this text makes. A gift
        offered as a question is still offered; a time asked about ("would you like us to call you back today?")
        is the customer's to choose, not a promise yet."""
        lo, hi = self.t.clause(start, end)
        slo, shi = self.t.sentence(start, end)
        offered = kind in _GIFTS and self.proposes(start, end)
        if (
            self.s[hi : hi + 1] in ("?", "？")
            or _QUESTION_END.search(self.s[max(lo, hi - 2) : hi + 1])
            or self.t.hits["question_start"].any(lo, hi)
            and self.question_sentence(start, end)
        ) and not offered:
            return True  # a question asks; one that proposes ("why don't we just refund it?", 要不给您退了？) offers
        offers = self.t.hits["offer_question"].within(slo, shi) if offered else []
        if any(e <= start and not any(os <= s < oe for os, oe in offers) for s, e in self.t.hits["negation"].within(lo, start)):
            return True  # "I cannot double compensate", 我们无法赔偿1000元 (the "don't" of "why don't we…?" proposes)
        if _REMEDY_REFUSED.match(self.s, end):
            return True  # "a refund isn't something we can offer": named to be refused
        if self.t.hits["excluded"].any(lo, hi):
            return True  # "648元礼包不属于本次补偿范围", "isn't covered by this compensation": named to be left out
        return any(e <= start for _, e in self.t.hits["reported"].within(lo, start))

    def proposes(self, start: int, end: int) -> bool:
        """Its sentence asks whether an offer suits, or offers as a question ("why don't we just refund it?",
        要不我们给您退款吧？, 您看行吗): the offer in it is made."""
        return self.t.hits["offer_question"].any(*self.t.sentence(start, end))

    def question_sentence(self, start: int, end: int) -> bool:
        _, hi = self.t.sentence(start, end)
        tail = self.s[max(0, hi - 2) : hi + 1]
        return "?" in tail or "？" in tail or bool(re.search(r"[吗呢][。]?$", tail))

    def free(self, start: int, end: int) -> bool:
        return not self.taken.overlaps(start, end)

    def remedy_kind(self, start: int, end: int, lo: int, hi: int) -> str | None:
        """The remedy noun (coupon / refund / compensation) closest to [start, end) within [lo, hi)."""
        best: tuple[int, str] | None = None
        for kind, hits in self.t.remedy.items():
            distance = hits.nearest(start, end, lo, hi)
            if distance is not None and (best is None or distance < best[0]):
                best = (distance, kind)
        return best[1] if best else None

    def given(self, q: Quantity) -> bool:
        """A verb of giving (or a remedy verb) right before the amount: 退您30块, 给您退二十元, "pay you 2,000"."""
        window = max(0, q.start - 40)
        for hits in (self.t.hits["giving"], *self.t.remedy.values()):
            for _, e in hits.within(window, q.start):
                if e <= q.start and _GIVING_GAP.fullmatch(self.s, e, q.start):
                    return True
        # "a refund of the 6 yuan delivery fee", 退还您的6元配送费: the refund names what it gives back
        return any(e <= q.start and _REFUND_OF.fullmatch(self.s, e, q.start) for _, e in self.t.remedy["refund"].within(window, q.start))

    def coupon_value(self, q: Quantity) -> Quantity:
        """ "a 30 voucher", "a 20 coupon": after "a", a number before a singular coupon noun is its value, not a count."""
        if (
            q.kind != "count"
            or q.unit != "coupons"
            or self.s[q.end - 1 : q.end] == "s"
            or not _ARTICLE_BEFORE.search(self.s, max(0, q.start - 4), q.start)
        ):
            return q
        digits = re.match(r"\d{1,6}(?:\.\d{1,2})?", self.s[q.start : q.end])
        return Quantity(q.value, q.start, q.start + digits.end(), "bare") if digits else q

    def pledged(self, lo: int, start: int, end: int | None = None) -> bool:
        """Does the writer pledge what starts at `start` (ends at `end`, when known) — a future or first-person
        pledge in its clause a few plain words before it ("we'll send you a coupon", "you'll be refunded", 我们会给您
        补一份), inside it ("your account will be credited") or right after it ("a voucher will be sent to you")?
        Then what the clause says about lateness, a condition or the past is the reason or the trigger of the
        promise, not a fact that voids it."""
        stop = start if end is None else end
        for m in _PLEDGE_SUBJECT.finditer(self.s, max(lo, start - PLEDGE_REACH * 2), min(len(self.s), stop + 1)):
            if m.end() >= start or _PLEDGE_GAP.fullmatch(self.s, m.end(), start):
                return True  # the pledge inside what it promises, overlapping it, or a few plain words before it
        return end is not None and bool(_PLEDGE_AFTER.match(self.s, end))

    def past_fact(self, lo: int, hi: int, start: int) -> bool:
        """A word of the past in the clause that makes what starts at `start` a report — unless the writer pledges
        it there ("we'll pay for the damage, seeing as the food was cold": the past is the reason)."""
        return self.t.hits["past"].any(lo, hi) and not self.pledged(lo, start)

    def topic_refunded(self, q: Quantity, lo: int, hi: int) -> bool:
        """A sum said first as the topic of its own clause, refunded in the next (话费充值失败的50元，我们2小时内给您原路
        退回; 您充值的648元，核实后全额退还): the clause is a noun phrase ending in the sum, with no remedy or giving word
        of its own, and the next clause refunds without naming money of its own — so the sum is what comes back,
        not cash on top of a refund."""
        t = self.t
        if q.kind != "money" or self.s[q.end : hi].strip(" 　") or hi >= len(self.s) - 1:
            return False
        # words before 的 describe the sum (您充值的648元: the customer's top-up), they do not give it
        modified = self.s[max(lo, q.start - 1) : q.start] == "的"
        if not modified and (t.hits["giving"].any(lo, q.start) or any(h.any(lo, q.start) for h in t.remedy.values())):
            return False
        nlo, nhi = t.clause(hi + 1, hi + 1)
        if nlo < hi or not t.remedy["refund"].any(nlo, nhi) or any(k != "refund" and h.any(nlo, nhi) for k, h in t.remedy.items()):
            return False
        return not any(x.kind in ("money", "bare") for x in self.amounts_between(nlo, nhi))

    def refund_after(self, end: int) -> int:
        """Where a refund verb right after an amount would start: 6元(单独|全部|都)退给您."""
        marker = _REFUND_AFTER_GAP.match(self.s, end)
        return end + (marker.end() - marker.start() if marker else 0)

    def names_bare(self, q: Quantity) -> str | None:
        """The remedy that names a bare number: a refund ("refund the full 86", "86 back to you"), a coupon
        ("a 30 voucher") or compensation ("a 1k payout"); None when nothing does."""
        if _BARE_COUPON_AFTER.match(self.s, q.end) or q.script == "digits" and _BARE_COUPON_AFTER_ZH.match(self.s, q.end):
            return "coupon"  # "a 30 voucher", 两张30的券
        if q.script == "digits" and _BARE_CASH_AFTER_ZH.match(self.s, q.end):
            return "compensation"  # 补个50的红包, 返50现金
        if _BARE_COMPENSATION_AFTER.match(self.s, q.end):
            return "compensation"
        if _COUNTED.match(self.s, q.end) or q.value <= 0 or q.value > 10000:
            return None
        refund = self.t.remedy["refund"]
        if any(e <= q.start and _BARE_REFUND_BEFORE.fullmatch(self.s, e, q.start) for _, e in refund.within(max(0, q.start - 20), q.start)):
            return "refund"
        return "refund" if _BARE_BACK_AFTER.match(self.s, q.end) else None

    def bare_gift(self, q: Quantity) -> bool:
        """给您打500过去, "we'll send you 200": a verb of giving, the customer, then a bare number that counts
        nothing else ("add 40 riders", 新增40名骑手 count people, not money)."""
        if _COUNTED.match(self.s, q.end):
            return False
        for s, e in self.t.hits["giving"].within(max(0, q.start - 20), q.start):
            if _BARE_GIFT_GAP.fullmatch(self.s, e, q.start) and re.search(r"您|你|you|(?<![a-z])u(?![a-z])", self.s[s : q.start]):
                return True
        return False

    def describes_fact(self, q: Quantity) -> bool:
        """The amount is what was paid, a price or an order's value: 您的订单86元, 实付86元, "your $40 order"."""
        fact = self.t.hits["fact"]
        for s, e in fact.within(max(0, q.start - 40), q.end + 4):
            if s >= q.end:  # after the amount: "86元的订单", "a 5 yuan delivery fee" — unless it names a coupon
                if _FACT_GAP.fullmatch(self.s, q.end, s) and not any(self.t.remedy[k].starts_at(e, 2) for k in ("coupon",)):
                    return True
            elif e <= q.start:
                if _FACT_GAP.fullmatch(self.s, e, q.start):
                    return True
            elif s <= q.start and q.end <= e:
                return True
        return False

    def is_threshold(self, q: Quantity) -> bool:
        return (
            self.t.hits["threshold_before"].ends_at(q.start, 2)
            or self.t.hits["threshold_after"].starts_at(q.end, 2)
            or bool(_OFF_AMOUNT.search(self.s, max(0, q.start - 40), q.start))
        )

    # ── the promises ──

    def run(self) -> list[Commitment]:
        deadlines = find_deadlines(self.t, self.now)
        self.deadlines = deadlines
        amounts = quantities(self.t, [(d.start, d.end) for d in deadlines if not d.relative])
        self.amounts = amounts
        amounts = [self.coupon_value(q) for q in amounts]
        counts = [q for q in amounts if q.kind == "count"]
        for q in amounts:
            if q.kind == "multiple":
                self.multiple(q.value, q.start, q.end)
        self.multiple_words()
        for q in amounts:
            if q.kind == "money" or q.kind == "bare":
                self.money(q, counts)
        for q in amounts:
            if q.kind in ("percent", "zhe"):
                self.percent(q)
        self.fractions()
        self.refund_phrases()
        for q in amounts:
            if q.kind == "duration" and self.free(q.start, q.end):
                self.duration(q)
        for q in counts:
            if self.free(q.start, q.end):
                self.free_orders_counted(q)
        self.unnamed_sums()
        self.free_order_phrases()
        self.price_matches()
        self.member_periods()
        self.extended_terms()
        self.unpriced("refund")
        self.unpriced("coupon")
        for deadline in deadlines:
            if self.free(deadline.start, deadline.end):
                self.deadline(deadline)
        self.immediate_times()
        self.capped_discounts()
        self.discounts_counted()
        self.merge_appositions()
        self.restated_shares()
        _SafetyNet(self).run(amounts, deadlines)
        self.immediate_gifts()  # after every time read in its own words (the net's too), which it does not read again
        self.apology_gifts()  # after the net, which reads the sums a gift may be named with (2000积分)
        self.split_excess()
        self.paid_in_kind()
        _OpenTerms(self).run(amounts)
        self.plural_coupons()
        self.drop_work_plan()
        self.drop_declined_demands()
        self.drop_corrected_relays()
        self.drop_declined_quotes()
        self.unrecognised(amounts, deadlines)
        return sorted(self.found, key=lambda c: (c.start, c.end))

    def paid_in_kind(self) -> None:
        """充值返还50%，以钻石形式发放 · "we'll pay it back as in-game coins": a refund read in a sentence that names the
        brand's reward units as the form it is paid in hands back no money — compensation in kind, which no rule
        pays (the kind must agree with the remedy words of its sentence)."""
        for index, c in enumerate(self.found):
            if c.type != "refund":
                continue
            if self.t.hits["paid_in_kind"].any(*self.t.sentence(c.start, c.end)):
                self.found[index] = c.model_copy(update={"type": "compensation", "scope": None, "applies_to": None})

    def unrecognised(self, amounts: list[Quantity], deadlines: list[Deadline]) -> None:
        """Default-deny for phrasing the grammar has not seen: a sentence that offers a sum, a share, free things
        or a time bound and yields no promise is held as an unrecognised one (drafting/guards/unrecognised.py)."""
        net = _SafetyNet(self)
        for unread in unread_offers(self, amounts, deadlines, self.now, lambda q: net.sent_as_money(q, *self.t.clause(q.start, q.end))):
            self.add(
                "unrecognised", unread.start, unread.end, amount=unread.amount, unit=unread.currency, currency=unread.currency, reason=unread.reason
            )

    def money(self, q: Quantity, counts: list[Quantity]) -> None:
        t = self.t
        if not self.free(q.start, q.end):
            return
        lo, hi = t.clause(q.start, q.end)
        if self.named_again(q):
            self.taken.add(q.start, q.end)
            return  # 退您86元，这86元三天内到账: the sum promised before, named again with its time
        each = self.each_coupon(q)
        if each is not None:
            currency = q.unit if q.kind == "money" else BOOK_CURRENCY  # 每张30: yuan, as a bare sum is in Chinese
            details = {**self.coupon_details(q, lo, hi, counts), "count": each}
            self.add("coupon", q.start, q.end, amount=q.value, unit=currency, currency=currency, **details)
            return  # 给您三张优惠券，每张10元 · "three vouchers, 10 yuan each": the value of each coupon counted before
        off = t.hits["off_after"]
        coupon_off = off.ends_at(q.start, 1) or off.starts_at(q.end, 1)
        if q.kind == "bare" and (lexicon().reward_unit_after.match(self.s, q.end) or _coded(self.s, q)):
            return  # 送您2000金币, "200 points": the brand's own reward units, read by the safety net; EU261 a name
        named = self.names_bare(q) if q.kind == "bare" else None
        if q.kind == "bare":
            # "给您打500过去", "we'll send you 200", 满100减20: a bare number after a verb of giving or 减
            # ("20 off orders over 100": the sum that comes off, with its threshold after it — unless its sentence
            # states a fact: "the promo you used (10 off orders over 80)")
            off_with_threshold = (
                off.ends_at(q.start, 1)
                and self.threshold_in(lo, q.start)
                or off.starts_at(q.end, 1)
                and self.threshold_in(q.end, hi)
                and not t.hits["money_fact"].any(*t.sentence(q.start, q.end))
            )
            if q.script != "digits" or not (named or self.bare_gift(q) or off_with_threshold):
                return
            if t.hits["threshold_before"].ends_at(q.start, 2):
                return
        if _REFUSED_AFTER.match(self.s, q.end):
            self.taken.add(q.start, q.end)
            return  # 多出来的14元退不了, "the other 14 yuan we can't refund": named to be refused
        if self.is_threshold(q) or _UNIT_PRICE.match(self.s, q.end) and not (self.names_coupon_value(q, lo) or self.shared_out(q, lo, hi)):
            return  # 满100, "orders over 50 yuan"; 105元一把, ¥5 per item: a condition or a price
        # 配送费6元单独退给您: the fee named first, then its sum, then the refund verb — refunded, not a price
        topic = self.topic_refunded(q, lo, hi)
        given = (
            self.given(q)
            or self.t.remedy["refund"].starts_at(self.refund_after(q.end), 1)
            or t.hits["price_cut_after"].starts_at(q.end, 0)
            or topic
            # 每人100元现金补偿: a sum named as compensation right after it is given, whatever "每人" makes it look like
            or _ZH_COMPENSATION_AFTER.match(self.s, q.end) is not None
        )
        on_top = self.added_to_refund(q)
        if not coupon_off and not given and not on_top and self.describes_fact(q) and not self.governed(q, lo):
            return
        if t.hits["money_fact"].any(lo, hi):
            return  # "the 20 yuan coupon you had expired", "8折优惠仅限新用户"
        kind = named or ("refund" if topic else self.money_kind(q, lo, hi, coupon_off))
        if on_top and not (named or self.coupon_named_after(q, hi)):
            # "a full refund plus a bonus 10 yuan" is cash on top; "refund the 86 plus the 6 yuan delivery fee" a fee
            # refunded besides the order — each more than the refund read before it
            fee = self.t.hits["fee_scope"].any(q.end, min(len(self.s), q.end + 24))
            kind = "refund" if fee or self.describes_fact(q) else "compensation"
        if kind == "refund" and t.hits["expense"].any(lo, hi):
            kind = "compensation"  # "reimburse the 45 yuan taxi fare", 报销打车费: the customer's own costs, not the order
        if kind == "refund" and _EXTRA_REFUND_BEFORE.search(self.s, max(0, q.start - 6), q.start):
            kind = "compensation"  # 给您多退二十块: twenty beyond the refund owed
        if t.hits["past"].any(lo, hi) and not t.hits["commit"].any(lo, hi) and self.past_occasion(q.start, q.end):
            self.taken.add(q.start, q.end)
            return  # "Back in June, a similar delay was compensated with a 15 CNY coupon": another occasion's remedy
        if (
            self.reported_done(lo, hi)
            and (kind not in ("coupon", "compensation", "discount") or self.past_occasion(q.start, q.end))
            and not self.refund_told_to_reader(q, kind, lo, hi)
        ):
            # 退款86元已于今天退回, "the 86 CNY refund was completed": a report, not a promise; a coupon just
            # added is still a grant the customer will use, unless it was given on an earlier occasion
            self.taken.add(q.start, q.end)
            return
        if kind == "coupon" and coupon_off and not t.remedy["coupon"].any(lo, hi) and t.hits["future_order"].any(lo, hi):
            kind = "discount"  # 下单立减10元, "¥10 off your next order": money off a purchase, no coupon in hand
        if kind is None and _LIST_CONTINUES.match(self.s, lo) and not _NAMES_SUM.match(self.s, lo):
            kind = "compensation"  # 送您30元券，外加20元 · "…, plus 20 yuan": money added on is cash, not the coupon before it
        if kind is None:
            slo, shi = t.sentence(q.start, q.end)
            near = self.remedy_kind(q.start, q.end, max(slo, q.start - 40), min(shi, q.end + 40))
            kind = near if near and not t.hits["fact"].any(lo, hi) else None
        if kind is None and q.kind == "money" and self.owed_to_reader(lo, hi):
            kind = "compensation"  # default-deny: money in a forward-looking clause addressed to the reader
        if kind is None:
            return
        currency = q.unit
        if q.kind == "bare":  # 满100减20, 给您打500过去: yuan by convention in Chinese; "send you 200" names none
            # …unless a refund or a coupon names it ("refund the 86", "a 30 voucher": the order's money), or it
            # goes to a payment channel that pays in yuan ("send you 30 via WeChat Pay")
            cjk = not self.s[max(0, q.start - 12) : q.start].isascii()
            currency = BOOK_CURRENCY if cjk or named or t.hits["payment_channel"].any(lo, hi) else None
        if kind == "compensation" and _POINTS_WORTH_BEFORE.search(self.s, max(0, q.start - 30), q.start):
            kind = "coupon"  # 1.5万积分，价值150元: the points' value, spent like a coupon
        values: dict[str, Any] = {"amount": q.value, "unit": currency, "currency": currency}
        if kind == "refund":
            full = t.hits["full_refund"].nearest(q.start, q.end, lo, hi)
            slo, shi = t.sentence(q.start, q.end)
            values["scope"] = "full" if full is not None and full <= 12 else "partial" if t.hits["partial_marker"].any(slo, shi) else None
            values["applies_to"] = self.applies_to(lo, hi)
        if kind == "coupon":
            values.update(self.coupon_details(q, lo, hi, counts))
        self.add(kind, q.start, q.end, **values)

    def money_kind(self, q: Quantity, lo: int, hi: int, coupon_off: bool) -> str | None:
        """What an amount is given as: a coupon noun after it (一张30元无门槛优惠券) wins; then the remedy
        verb right before it (退您30块 is a refund, 额外转账100美元 compensation); then the nearest remedy
        word in its clause; then any verb of giving (compensation)."""
        t = self.t
        if t.hits["price_cut_after"].starts_at(q.end, 0):
            return "discount"  # "a ¥15 price cut", 15元直降: money off a price, no coupon in hand
        if _CASH_AFTER.match(self.s, q.end):
            return "compensation"  # "50 yuan cash", 50元现金 (not 现金券): money itself, whatever coupon is beside it
        if coupon_off or any(
            (s - q.end <= 8 or s - q.end <= 24 and _COUPON_ADJECTIVES.fullmatch(self.s, q.end, s)) and not _NEXT_GIFT.search(self.s, q.end, s)
            for s, _ in t.remedy["coupon"].within(q.end, hi)
        ):
            return "coupon"
        if any(_NAMES_VALUE.fullmatch(self.s, e, q.start) for _, e in t.remedy["coupon"].within(max(lo, q.start - 30), q.start)):
            return "coupon"  # "store credit of 60 yuan", 代金券面值50元
        if t.hits["waiver"].any(lo, hi) and not t.remedy["compensation"].any(lo, hi):
            return self.waived_kind(lo, hi)
        for given in ("refund", "compensation"):
            if any(e <= q.start and _GIVING_GAP.fullmatch(self.s, e, q.start) for _, e in t.remedy[given].within(max(lo, q.start - 40), q.start)):
                return given
        if any(e <= q.start and _GIVING_GAP.fullmatch(self.s, e, q.start) for _, e in t.hits["giving"].within(max(lo, q.start - 40), q.start)):
            return "compensation"
        kind = self.remedy_kind(q.start, q.end, lo, hi)
        if kind is None and t.hits["giving"].any(lo, hi):
            kind = "compensation"
        return kind

    def waived_kind(self, lo: int, hi: int) -> str:
        """What a waived sum is: the order's own fee (配送费6元给您免了) is part of the order handed back, a refund;
        any other charge (免除年费200元, "waive the ¥58 overage charge") is a bill reduced — a discount, which no
        rule grants, never a partial refund of this order that the order's refund would back."""
        if self.t.hits["fee_scope"].any(lo, hi) or self.t.hits["order_scope"].any(lo, hi):
            return "refund"
        return "discount"

    def named_again(self, q: Quantity) -> bool:
        """这86元, "that 30 yuan": a sum pointed back at, when the same sum was promised before it."""
        if not _NAMED_AGAIN.search(self.s, max(0, q.start - 6), q.start):
            return False
        return any(self.found[i].amount == q.value for i in self.found_at.starting_in(max(0, q.start - REPEAT_REACH), q.start))

    def added_to_refund(self, q: Quantity) -> bool:
        """The amount is added on (plus, 外加, "and a bonus") after a refund read earlier in its sentence."""
        if not _PLUS_BEFORE.search(self.s, max(0, q.start - 24), q.start):
            return False
        slo, _ = self.t.sentence(q.start, q.end)
        return self.t.hits["full_refund"].any(slo, q.start) or any(c.type == "refund" for c in self.found_in(slo, q.start))

    def coupon_named_after(self, q: Quantity, hi: int) -> bool:
        """A coupon noun names the amount right after it: "plus a 10 yuan coupon", 外加20元券."""
        return any(
            s - q.end <= 8 or s - q.end <= 24 and _COUPON_ADJECTIVES.fullmatch(self.s, q.end, s) for s, _ in self.t.remedy["coupon"].within(q.end, hi)
        )

    def each_coupon(self, q: Quantity) -> int | None:
        """How many coupons an amount is the value of each of, when the coupons were counted before it and "each"
        marks the amount (三张优惠券，每张10元; "three vouchers, 10 yuan each"); None otherwise."""
        marker = _EACH_AMOUNT_BEFORE.search(self.s, max(0, q.start - 6), q.start)
        slo, shi = self.t.sentence(q.start, q.end)
        if marker and "一张" in marker.group() and self.s.count("一张", slo, shi) > 1:
            return None  # 两张券，一张20元，一张10元: the coupons listed one by one, each its own value
        if any(self.t.hits[name].any(slo, shi) for name in ("money_fact", "past", "completed")):
            return None  # 您之前领的两张券，每张10元，已经过期了: coupons told about, not given
        bare_zh = q.kind == "bare" and q.script == "digits" and marker is not None and is_cjk(self.s[marker.start() : marker.start() + 1])
        if not (q.kind == "money" or bare_zh) or not (marker or _EACH_AFTER.match(self.s, q.end)):
            return None
        said = marker.start() if marker else q.start  # the coupons counted before "each" (一张 in it counts nothing)
        counted = [x for x in self.amounts_between(slo, said) if x.kind == "count" and x.unit == "coupons" and x.end <= said]
        if not counted or not self.t.remedy["coupon"].any(slo, q.start):
            return None
        self.taken.add(counted[-1].start, counted[-1].end)
        return int(counted[-1].value)

    def shared_out(self, q: Quantity, lo: int, hi: int) -> bool:
        """ "We'll give affected customers 500 yuan each": "each" after a sum shared out to people is a remedy per
        person, not a unit price."""
        return bool(_EACH_AFTER.match(self.s, q.end)) and self.t.hits["people"].any(lo, hi)

    def names_coupon_value(self, q: Quantity, lo: int) -> bool:
        """ "five coupons of 10 yuan each": the amount is each coupon's value, not a unit price."""
        return any(_NAMES_VALUE.fullmatch(self.s, e, q.start) for _, e in self.t.remedy["coupon"].within(max(lo, q.start - 30), q.start))

    def governed(self, q: Quantity, lo: int) -> bool:
        """A refund verb or a verb of giving before the fact that names the amount: 退还您实付的86元, "send
        back the delivery fee of ¥6.50", "refund the price of the burger, RMB 32"."""
        slo, _ = self.t.sentence(q.start, q.end)
        facts = [s for s, _ in self.t.hits["fact"].within(max(slo, q.start - 40), q.start)]
        if not facts:
            return False
        fact = facts[0]
        verbs = [*self.t.remedy["refund"].within(max(slo, fact - 20), fact), *self.t.hits["giving"].within(max(slo, fact - 20), fact)]
        # "refund that and recharge 86 CNY": a second verb after "and" governs its own amount
        return any(e <= fact and not _NEXT_VERB.search(self.s, e, fact) for _, e in verbs)

    def owed_to_reader(self, lo: int, hi: int) -> bool:
        """A clause that speaks to the reader about what will happen ("您会收到1000元", "1000 yuan will be
        yours"): money in it is a promise even without a remedy word, unless the clause states a fact."""
        clause = self.s[lo:hi]
        return (
            bool(_READER.search(clause))
            and self.t.hits["future"].any(lo, hi)
            and not (self.t.hits["fact"].any(lo, hi) or self.t.hits["money_fact"].any(lo, hi) or self.t.hits["time_fact"].any(lo, hi))
        )

    def refund_told_to_reader(self, q: Quantity, kind: str | None, lo: int, hi: int) -> bool:
        """给您退了120元, "we've refunded 120 yuan to your card": a sum the reply tells its reader was refunded to
        them this time is money they will count on, so it is judged like a promise (more than the order is still
        more than the book allows); a refund on an earlier occasion is history."""
        return kind == "refund" and q.kind == "money" and bool(_TO_READER_DONE.search(self.s, lo, hi)) and not self.past_occasion(q.start, q.end)

    def reported_done(self, lo: int, hi: int) -> bool:
        """The clause reports money already moved (已于11月29日退回, "we processed your refund") and nothing after
        the report looks forward — in its sentence, or in the next one unless that one names a remedy of its own
        (退了90块…钱今晚到 still promises the arrival; 已补偿10元券。本次会全额退款 does not revive the coupon)."""
        reports = self.t.hits["completed"].within(lo, hi)
        if not reports:
            return False
        last = max(e for _, e in reports)
        _, shi = self.t.sentence(last, last)
        if self.looks_forward(last, shi):
            return False
        if shi >= len(self.s):
            return True
        nlo, nhi = self.t.sentence(shi, shi + 1)
        if nlo >= shi and not any(h.any(nlo, nhi) for h in self.t.remedy.values()):
            return not self.looks_forward(nlo, nhi)
        return True

    def past_occasion(self, start: int, end: int) -> bool:
        """Its sentence dates what it says to an earlier occasion: 第一次, "the first time", a date already past."""
        slo, shi = self.t.sentence(start, end)
        if self.t.hits["past_occasion"].any(slo, shi):
            return True
        lo, hi = self.t.clause(start, end)
        if self.t.hits["past_time"].any(slo, shi) and self.t.hits["past"].any(lo, hi):
            # 上个月我们多退了30块给别的顾客, "last week we refunded …", "Back in June, a similar delay was compensated
            # with …": told of a day gone by, in the past (the day may head the sentence in a clause of its own)
            return True
        return any(slo <= d.start < shi and d.due is not None and d.due.date() < self.now.date() for d in self.deadlines)

    def looks_forward(self, lo: int, hi: int) -> bool:
        hits = self.t.hits
        if hits["future"].any(lo, hi) or hits["commit"].any(lo, hi):
            return True
        # a day said right after the report is when it happened ("was completed on Friday"), not a day ahead
        return any(
            lo <= d.start < hi and (d.due is None or d.due.date() >= self.now.date()) and not _WHEN_DONE.fullmatch(self.s, lo, d.start)
            for d in self.deadlines
        )

    def general_information(self, start: int, end: int) -> bool:
        """A sentence about what usually happens (退款一般3到5个工作日原路返回, "banks usually take 1–3 days")
        that commits the brand to nothing: information about a process, not a time promised to this customer."""
        slo, shi = self.t.sentence(start, end)
        return self.t.hits["habitual"].any(slo, shi) and not self.t.hits["commit"].any(slo, shi)

    def arrival_in(self, lo: int, hi: int) -> bool:
        """A time the money arrives by, said in [lo, hi): 预计1-3个工作日到账, 退款后天到, "back in 2 days"."""
        if any(c.type == "processing_deadline" for c in self.found_in(lo, hi)):
            return True
        return any(lo <= d.start < hi and (d.due is None or d.due.date() >= self.now.date()) for d in self.deadlines)

    def threshold_in(self, lo: int, hi: int) -> bool:
        """A threshold of spending (满100, "orders over 100") said inside [lo, hi)."""
        return any(x.end <= hi and self.is_threshold(x) for x in _quantities_between(self, lo, hi))

    def coupon_details(self, q: Quantity, lo: int, hi: int, counts: list[Quantity]) -> dict[str, Any]:
        details: dict[str, Any] = {}
        for count in _starting_in(
            counts, max(0, q.start - 40), q.end + 11
        ):  # 10张30元优惠券, "five coupons of 10 yuan": the count just before the amount; 30元的券三张 after it
            before = count.end <= q.start and (q.start - count.end <= 3 or _COUNT_GAP.fullmatch(self.s, count.end, q.start))
            after = count.start >= q.end and count.start - q.end <= 10 and _coupon_right_before(self, q.end, count.start)
            if count.unit == "coupons" and (before or after):
                details["count"] = int(count.value)
                self.taken.add(count.start, count.end)
        if "count" not in details and _EACH_BEFORE.search(self.s, max(0, q.start - 10), q.start):
            # 5张8折券（每张最高抵扣10元）, "3 vouchers, each worth ¥10": the count said before "each"
            slo, _ = self.t.sentence(q.start, q.end)
            said = [c for c in _starting_in(counts, slo, q.start) if c.unit == "coupons" and c.end <= q.start]
            if said:
                details["count"] = int(said[-1].value)
        for x in _quantities_between(self, max(lo, q.start - 24), q.start):  # "five 10-yuan coupons", "ten no-minimum 10 yuan coupons"
            if (
                x.kind == "bare"
                and x.end <= q.start
                and _COUNT_ADJECTIVES.fullmatch(self.s, x.end, q.start)
                and x.value == x.value.to_integral_value()
            ):
                details["count"] = int(x.value)
        threshold = [
            x
            for x in _quantities_between(self, lo, hi)
            if x.start != q.start
            and (
                x.kind in ("money", "bare")
                and self.is_threshold(x)
                or x.kind == "count"
                and _OFF_AMOUNT.search(self.s, max(0, x.start - 40), x.start)
            )
        ]
        slo, shi = self.t.sentence(q.start, q.end)
        if not threshold:
            # "给您两张20元优惠券，满100可用", "a ¥25 coupon — valid on orders over ¥100": the coupon's condition
            # in a clause of its own, with nothing else in it
            threshold = [
                x
                for x in _quantities_between(self, slo, shi)
                if x.start != q.start
                and x.kind in ("money", "bare")
                and self.is_threshold(x)
                and self.free(x.start, x.end)
                and self.t.hits["coupon_use"].any(*self.t.clause(x.start, x.end))
            ]
        if "count" not in details and not re.match(r"[\s-]?(?:[a-z-]+\s){0,3}(?:coupons|vouchers)(?![a-z])", self.s[q.end : q.end + 40]):
            details["count"] = 1  # "a 30 CNY coupon", 一张20元券: one coupon unless a count or a plural says otherwise
        if threshold:
            details["min_spend"] = threshold[0].value
        for validity in self.t.hits["validity"].within(max(slo, q.start - 40), min(shi, q.end + 60)):
            duration = self.duration_near(validity)
            if duration is not None:
                days = _minutes(duration.value, duration.unit or "days") / 1440
                details["valid_days"] = int(days)
                self.taken.add(duration.start, duration.end)
        if "valid_days" not in details and (end_date := self.valid_until(q, slo, shi)) is not None:
            details["valid_days"] = max(0, (end_date.due.date() - self.now.date()).days)  # type: ignore[union-attr]
            self.taken.add(end_date.start, end_date.end)
        return details

    def valid_until(self, q: Quantity, slo: int, shi: int) -> Deadline | None:
        """The end date a coupon is valid to (有效期到明年三月底, "valid until next March", 12月31日前都能用):
        the dated deadline nearest a word of validity near the coupon, so its days can be judged."""
        dated = [d for d in self.deadlines if d.due is not None and slo <= d.start < shi]
        if not dated:
            return None
        best: tuple[int, Deadline] | None = None
        for v_start, v_end in self.t.hits["validity"].within(max(slo, q.start - 40), min(shi, q.end + 60)):
            for d in dated:
                gap = d.start - v_end if d.start >= v_end else v_start - d.end
                if -1 <= gap <= 20 and (best is None or gap < best[0]):
                    best = (gap, d)
        return best[1] if best else None

    def duration_near(self, validity: tuple[int, int]) -> Quantity | None:
        window_lo, window_hi = max(0, validity[0] - 12), min(len(self.s), validity[1] + 24)
        # the year of a date (2027年3月底) is not a span of years
        dates = [(d.start, d.end) for d in self.deadlines if not d.relative]
        durations = [
            x
            for x in _quantities_between(self, window_lo, window_hi)
            if x.kind == "duration" and not any(s <= x.start and x.end <= e for s, e in dates)
        ]
        return min(durations, key=lambda x: min(abs(x.start - validity[1]), abs(validity[0] - x.end)), default=None)

    def applies_to(self, lo: int, hi: int) -> str | None:
        slo, _ = self.t.sentence(lo, lo)
        if self.t.hits["item_scope"].any(slo, hi):
            return "item"
        if self.t.hits["full_refund"].any(lo, hi) and self.t.hits["order_scope"].any(lo, hi):
            return "order"
        return None

    def percent(self, q: Quantity) -> None:
        if not self.free(q.start, q.end):
            return
        t = self.t
        lo, hi = t.clause(q.start, q.end)
        if t.hits["money_fact"].any(lo, hi):
            return
        if q.kind == "zhe":  # 8折: pay 80%; 85折 / 八五折 / 9.5折: pay 85% / 95%
            paid = q.value * 10 if q.value < 10 else q.value
            # 下次购买全店九折, 本月私教课八五折: a discount on a purchase to come is offered like one given
            offered = (
                t.hits["discount"].any(lo, hi)
                or t.hits["giving"].any(lo, hi)
                or self.s[max(0, q.start - 1) : q.start] == "打"
                or t.remedy["coupon"].any(lo, hi)
            )
            if (
                not (0 < paid < 100)
                or not (offered or t.hits["future_order"].any(lo, hi) or t.hits["discount_period"].any(lo, hi))
                or t.hits["past"].any(lo, hi)
                and not ((t.hits["giving"].any(lo, hi) or self.pledged(lo, q.start)) and not self.past_occasion(q.start, q.end))
            ):
                return  # (已经帮您申请了一张9折券, 给您打了8折: given to the reader this time, told as done, is given)
            self.add("discount", q.start, q.end, amount=100 - paid, unit="percent")
            return
        if self.marked_down(q, lo):
            self.add("discount", q.start, q.end, amount=q.value, unit="percent")
            return
        if t.hits["discount"].starts_at(q.end, 2) or t.hits["discount"].ends_at(q.start, 4):
            # "the 20% off promotion only ran last spring" is told as what happened ("I can take 10% off, seeing as
            # the food was cold" pledges it: the past is the reason)
            # …but one put on the reader's next bills is theirs to use ("A 15% discount has been applied to your next two bills")
            later = t.hits["future_order"].any(lo, hi) and t.hits["giving"].any(lo, hi)
            if not self.done(lo, hi) or self.pledged(lo, q.start, q.end) or later:
                self.add("discount", q.start, q.end, amount=q.value, unit="percent")
            return
        kind = self.remedy_kind(q.start, q.end, lo, hi)
        if kind in ("refund", "compensation") and self.share_on_top(q.start, kind):
            # 全额退款再加10%补偿, 再赔您20%, "a full refund plus 10% for the trouble": a share paid on top of the
            # refund is compensation, which no refund rule backs
            self.add("compensation", q.start, q.end, amount=q.value, unit="percent")
            return
        if kind in ("refund", "compensation"):
            # a share of the order's price is money back, whatever it is called (订单金额的150%予以赔偿,
            # "8 percent back as a goodwill credit"): judged as a refund of that share, above 100% it exceeds
            self.add(
                "refund",
                q.start,
                q.end,
                amount=q.value,
                unit="percent",
                scope="full" if q.value >= 100 else "partial",
                applies_to=self.applies_to(lo, hi),
            )

    def marked_down(self, q: Quantity, lo: int) -> bool:
        """ "marked down all items 30%", 全场商品降价20%: the price cut named before what it cuts, then the share."""
        return any(
            e <= q.start and q.start - e <= MARKDOWN_REACH and _MARKDOWN.fullmatch(self.s, s, e)
            for s, e in self.t.hits["discount"].within(lo, q.start)
        )

    def share_on_top(self, start: int, kind: str) -> bool:
        """A share named as compensation after a refund in its sentence, or paid again (再赔您20%, 退款之外再补一半):
        money on top of the refund, not a share of it."""
        slo, _ = self.t.sentence(start, start)
        again = _AGAIN_NEAR.search(self.s, max(slo, start - 16), start)
        refunded = self.t.hits["full_refund"].any(slo, start) or any(c.type == "refund" for c in self.found_in(slo, start))
        if kind == "compensation" and (again or refunded):
            return True
        # 全额退款再补一半 is money on top; 先退一半，再退一半 refunds the rest
        return (
            again is not None and bool(self.t.remedy["refund"].within(slo, again.start())) and not self.t.remedy["refund"].any(again.start(), start)
        )

    def fractions(self) -> None:
        """半价, "a quarter off" (discounts) and 退还订单金额的一半, "refund half" (a 50% refund)."""
        for value, pattern in lexicon().fraction_off.items():
            for match in pattern.finditer(self.s):
                if self.free(*match.span()):
                    self.add("discount", *match.span(), amount=value, unit="percent")
        for match in lexicon().patterns["half_price"].finditer(self.s):
            if self.free(*match.span()) and not self.t.hits["money_fact"].any(*self.t.clause(*match.span())):
                self.add("discount", *match.span(), amount=Decimal(50), unit="percent")
        for start, end in self.t.hits["half_of"].spans:
            if not self.free(start, end):
                continue
            lo, hi = self.t.clause(start, end)
            refund = self.t.remedy["refund"].nearest(start, end, lo, hi)
            compensation = self.t.remedy["compensation"].nearest(start, end, lo, hi)
            if self.share_on_top(start, "compensation" if compensation is not None and compensation <= 12 else "refund"):
                self.add("compensation", start, end, amount=Decimal(50), unit="percent")  # 全额退款再补一半
            elif refund is not None and refund <= 12:
                self.add("refund", start, end, amount=Decimal(50), unit="percent", scope="partial", applies_to=self.applies_to(lo, hi))

    def multiple(self, value: Decimal, start: int, end: int) -> None:
        """三倍赔偿, 赔您三倍, "double your money back", "pay you triple": money as a multiple of the price —
        compensation on top of any refund, whatever word names it."""
        if not self.free(start, end):
            return
        lo, hi = self.t.clause(start, end)
        best: tuple[int, tuple[int, int]] | None = None
        # a remedy word names what the multiple is of; a verb of giving only when none does ("give you 1.5
        # times the fare"): "you'll get double your money back" is about the money, not the getting
        anchors = [span for hits in self.t.remedy.values() for span in hits.within(lo, hi)]
        for s, e in anchors + (self.t.hits["giving"].within(lo, hi) if not self.anchored(anchors, start, end) else []):
            gap = _multiple_gap(self.s, s, e, start, end)
            if len(gap) <= (MULTIPLE_REACH_LATIN if gap.isascii() else MULTIPLE_REACH_CJK) and (best is None or len(gap) < best[0]):
                best = (len(gap), (s, e))
        if best is None:
            # "the refund has been set to three times the order price", 退款调整为订单价的三倍: the multiple is of the
            # price named beside it, in a sentence about a remedy
            slo, shi = self.t.sentence(start, end)
            price = [(ps, pe) for ps, pe in self.t.hits["price"].within(lo, hi) if 0 <= ps - end <= 12 or 0 <= start - pe <= 2]
            if price and any(h.any(slo, shi) for h in self.t.remedy.values()):
                best = (0, price[0])
        if best and value < 1:  # 退0.5倍: half the price back, a partial refund, not money on top
            lo, hi = self.t.clause(start, end)
            if self.add("refund", start, end, amount=value * 100, unit="percent", scope="partial", applies_to=self.applies_to(lo, hi)) is not None:
                self.taken.add(*best[1])
        elif best:
            c = self.add("compensation", start, end, amount=value, unit="multiple")
            if c is None:
                return
            self.taken.add(*best[1])
            slo, _ = self.t.sentence(start, end)
            refunded = self.t.hits["full_refund"].any(slo, start) or any(x.type == "refund" for x in self.found_in(slo, start))
            if _AGAIN_BEFORE.search(self.s, max(0, start - 8), start) or refunded:
                # 全额退款，再赔偿您一倍: the price paid once more on top of the refund — twice the price in all
                self.open_terms[(c.start, c.end)] = f"a multiple paid on top of a refund (“{c.phrase}”)"

    def anchored(self, anchors: list[tuple[int, int]], start: int, end: int) -> bool:
        gaps = (_multiple_gap(self.s, s, e, start, end) for s, e in anchors)
        return any(len(gap) <= (MULTIPLE_REACH_LATIN if gap.isascii() else MULTIPLE_REACH_CJK) for gap in gaps)

    def multiple_words(self) -> None:
        for value, pattern in lexicon().multiple_words.items():
            for match in pattern.finditer(self.s):
                self.multiple(value, *match.span())

    def refund_phrases(self) -> None:
        for name, scope in (("full_refund", "full"), ("partial_refund", "partial")):
            for start, end in self.t.hits[name].spans:
                if not self.free(start, end):
                    continue
                lo, hi = self.t.clause(start, end)
                slo, shi = self.t.sentence(start, end)
                if self.reported_done(lo, hi):
                    self.taken.add(start, end)
                    continue  # 该订单已于11月28日全额退款: a refund reported, not promised
                if any(c.type == "refund" for c in self.found_in(slo, shi)):
                    # "refund the 86 yuan in full", "¥6.50 … as part of a partial refund": the amount's scope
                    for index in self.found_at.starting_in(slo, shi):
                        c = self.found[index]
                        if c.type == "refund" and c.scope is None and c.unit != "percent":
                            self.found[index] = c.model_copy(update={"scope": scope})
                    self.taken.add(start, end)
                    continue
                if self.t.hits["fee_scope"].any(lo, hi):
                    scope = "partial"  # 配送费将全额退还: all of a fee is part of the order
                self.add("refund", start, end, scope=scope, applies_to=self.applies_to(lo, hi))

    def unpriced(self, kind: str) -> None:
        """A refund or a coupon promised without an amount ("退款会在明天之前原路退回", "we'll add a coupon"):
        once per sentence, when the sentence holds no other promise of that kind and looks forward."""
        hits = self.t.remedy[kind]
        done: set[int] = set()
        tried: dict[tuple[int, int], int] = {}
        for start, end in hits.spans:
            # a sentence promises one unpriced refund: look at its first few mentions only (a sentence made
            # of a hundred thousand "退款" costs no more than one that says it once)
            piece = (self.t.sentence_start(start), start // SENTENCE_REACH)
            tried[piece] = tried.get(piece, 0) + 1
            if tried[piece] > 2 or not self.free(start, end):
                continue
            slo, shi = self.t.sentence(start, end)
            lo, hi = self.t.clause(start, end)
            if kind == "refund" and self.t.hits["expense"].any(lo, hi) and not self.reported_done(lo, hi):
                # "we'll reimburse your taxi fare", 另外报销您的打车费: the customer's own costs paid back are
                # compensation, even beside the order's refund
                if not any(c.type == "compensation" for c in self.found_in(lo, hi)) and self.add("compensation", start, end) is not None:
                    done.add(slo)
                continue
            if slo in done or any(c.type == kind or (kind == "refund" and c.type == "free_order") for c in self.found_in(slo, shi)):
                continue
            # 退您运费, 退给你: a refund verb addressed to the reader gives, with or without 会
            # an offer put as a question proposes it ("why don't we just refund it?", 要不我们给您退款吧？)
            proposed = self.proposes(start, end) and self.question_sentence(start, end)
            forward = self.t.hits["future"].any(slo, shi) or self.t.hits["giving"].any(lo, hi) or _TO_READER.search(self.s, start, end) or proposed
            # a refund said with the time it arrives (退款已提交，预计1-3个工作日到账; 退款后天到) is promised,
            # whatever its own clause reports; what usually happens, or money already moved, is not
            arrives = kind == "refund" and self.arrival_in(slo, shi)
            if self.general_information(start, end) or self.reported_done(lo, hi) and not proposed:
                continue
            if kind == "refund" and self.s[max(0, start - 1) : start] == "多":
                continue  # 多退您20: the sum beyond the refund, read as cash on top
            if kind == "refund" and self.refund_said_before(slo) and not self.t.hits["residual_scope"].any(slo, shi):
                # 将退还多收的26.5元。退款24小时内到账: the refund promised before, said again with its time (a refund
                # of other orders after it is another refund: 全额退款！之前的三单也给您退掉)
                continue
            # ("refund your last two orders": the "last" of other orders is their scope, judged with the refund)
            beyond = kind == "refund" and self.t.hits["residual_scope"].any(lo, hi)
            # "we'll refund you for the late delivery", "we'll refund the order if it is still missing": a refund
            # the writer pledges in so many words is promised, whatever condition or lateness its clause names
            if (
                not (forward or arrives)
                or not (arrives or beyond)
                and (self.t.hits["money_fact"].any(lo, hi) or self.t.hits["time_fact"].any(lo, hi) and not self.pledged(lo, start, end))
            ):
                continue
            if kind == "coupon" and (not self.t.hits["giving"].any(slo, shi) or any(c.type == "discount" for c in self.found_in(slo, shi))):
                continue  # no one gives it; or it is the discount already found (一张八折券)
            if kind == "coupon" and re.search(r"\d\s?[个枚点]?$", self.s[max(0, start - 3) : start]):
                continue  # 800积分, "500 points": a count of reward units, read by the safety net
            if kind == "coupon" and self.t.hits["benefit_free"].any(max(lo, start - 16), start):
                continue  # 两杯免费饮品券, "two free pickup vouchers": a voucher for free things is a free order
            values: dict[str, Any] = {"applies_to": self.applies_to(lo, hi)} if kind == "refund" else {}
            if kind == "coupon" and (count := self.coupons_counted(start, end)) is not None:
                values["count"] = count  # 两张优惠券, "two vouchers": how many, though no value is named
            if kind == "refund" and self.t.hits["fee_scope"].any(lo, hi):
                values["scope"] = "partial"  # "we'll refund the delivery fee": part of the order
            if kind == "refund":
                values.update(self.referred_sum(start, end, lo, slo))
            if self.add(kind, start, end, **values) is not None:
                done.add(slo)

    def price_matches(self) -> None:
        """ "We'll match it", "we'll refund the difference", 差价补给您: money paid up to someone else's price. The
        draft names no sum, so it is compensation of an unknown amount, held for a person with the reason; a
        clause that names the sum ("refund the ticket difference, 2,400 yen") was read with it already."""
        for start, end in self.t.hits["price_match"].spans:
            lo, hi = self.t.clause(start, end)
            slo, shi = self.t.sentence(start, end)
            named = self.found_in(lo, min(shi, hi + PRICE_MATCH_SUM_REACH))
            if not self.free(start, end) or any(c.type in ("refund", "compensation") and c.amount is not None for c in named):
                continue
            if self.money_moved_or_general(lo, hi, start, end):
                continue  # 差价已经退给您了, "we refunded the difference yesterday": money already moved
            if not (
                self.looks_forward(slo, shi) or self.t.hits["giving"].any(lo, hi) or _TO_READER.search(self.s, lo, hi) or self.pledged(lo, start, end)
            ):
                continue  # (差价我们来补: "we'll make up the difference" said with 来, a pledge of our own)
            self.add("compensation", start, end, reason=PRICE_MATCH_REASON)

    def money_moved_or_general(self, lo: int, hi: int, start: int, end: int) -> bool:
        """Is the clause lo..hi (the match start..end in it) money that already moved, or a general rule?"""
        return (
            self.reported_done(lo, hi)
            or self.done(lo, hi)
            or self.said_done(lo, end, hi)
            or self.past_sentence(start, end)
            or self.general_information(start, end)
        )

    def unnamed_sums(self) -> None:
        """您的医药费我们来出, "we'll cover your cab fare", 以后超时就赔: money promised for what it pays, with no
        sum named — compensation held for a person with the reason, unless its clause names the sum."""
        for name, reason in UNNAMED_SUM_REASONS.items():
            for start, end in self.t.hits[name].spans[:50]:
                lo, hi = self.t.clause(start, end)
                if not self.free(start, end) or any(c.type in ("refund", "compensation") and c.amount is not None for c in self.found_in(lo, hi)):
                    continue
                if self.money_moved_or_general(lo, hi, start, end) and not self.pledged(lo, start, end):
                    continue  # 打车费已经给您报销了: money already moved ("we'll cover it, seeing as it was late" is pledged)
                cap = self.sum_said_with(start)
                if cap is not None:
                    self.taken.add(cap.start, cap.end)
                    self.add("compensation", start, end, amount=cap.value, unit=cap.unit, currency=cap.unit, reason=reason)
                else:
                    self.add("compensation", start, end, reason=reason)

    def sum_said_with(self, start: int) -> Quantity | None:
        """The money named with an unnamed sum's promise, after it in its sentence ("we'll cover your cab home, up
        to 80 yuan"): the most it pays."""
        _, shi = self.t.sentence(start, start)
        return next((q for q in self.amounts if start < q.start < shi and q.kind == "money" and self.free(q.start, q.end)), None)

    def extended_terms(self) -> None:
        """会员有效期顺延至明年3月31日, 券的有效期给您延长60天, "we've extended your coupon until the end of next
        month": a membership or a coupon's term prolonged to a date or by a span is a grant of that many days. A
        grant said as just made is still one the customer will hold us to."""
        for match in list(_PROLONGED.finditer(self.s))[:50]:
            start, end = match.span()
            lo, hi = self.t.clause(start, end)
            member, coupon = self.t.hits["membership"].any(lo, hi), self.t.remedy["coupon"].any(lo, hi)
            if not (member or coupon) or self.past_sentence(start, end) or _ALREADY.search(self.s, lo, hi):
                continue  # "we already extended it in October": told, not granted now
            kind = "membership_extension" if member and not coupon else "coupon"
            if any(c.type == kind for c in self.found_in(lo, hi)):
                continue
            days = self.days_to(end, hi, spans=kind == "coupon")  # a membership's span is read by duration()
            if days is None:
                continue
            if kind == "membership_extension":
                self.add(kind, start, end, amount=Decimal(days), unit="days")
            else:
                self.add(kind, start, end, valid_days=days)

    def days_to(self, start: int, hi: int, spans: bool) -> int | None:
        """The days a term runs from now: to the first date after `start` in the clause, or for the span said there."""
        for d in self.deadlines:
            if start <= d.start < hi and d.due is not None:
                self.taken.add(d.start, d.end)
                return max(0, (d.due.date() - self.now.date()).days)
        for q in self.amounts if spans else []:
            if start <= q.start < hi and q.kind == "duration" and self.free(q.start, q.end):
                self.taken.add(q.start, q.end)
                return int(_minutes(q.value, q.unit or "days") / 1440)
        return None

    def apology_gifts(self) -> None:
        """我们给您寄一箱水果表示歉意, "I'll send a bouquet to apologise": a gift in kind offered as an apology, in a
        sentence the grammar read nothing from, is compensation of a value no rule names."""
        for start, end in self.t.hits["apology_gift"].spans[:50]:
            slo, shi = self.t.sentence(start, end)
            verbs = self.t.hits["apology_gift_verb"].within(slo, shi)
            if not verbs or any(c.type in _GIFTS for c in self.found_in(slo, shi)):
                continue
            v_start, v_end = verbs[0]
            lo, hi = self.t.clause(v_start, v_end)
            if self.done(slo, shi) or self.past_sentence(start, end) or not self.looks_forward(slo, shi) and not _TO_READER.search(self.s, slo, shi):
                continue
            self.add("compensation", v_start, v_end, reason=APOLOGY_GIFT_REASON)

    def said_done(self, lo: int, end: int, hi: int) -> bool:
        """A word of the past before or inside a phrase (差价已经退给您了), with nothing ahead in its clause."""
        return self.t.hits["past"].any(lo, end) and not self.t.hits["future"].any(lo, hi)

    def member_periods(self) -> None:
        """年卡, 月卡, "an annual membership": a membership named by its period, granted, is that many months."""
        for months, pattern in _member_period_words().items():
            for match in pattern.finditer(self.s):
                start, end = match.span()
                lo, hi = self.t.clause(start, end)
                if not self.free(start, end) or any(c.type == "membership_extension" for c in self.found_in(lo, hi)):
                    continue
                # granted before it is named (开一张年卡, "upgrading you to an annual plan"); "your annual plan has
                # been extended by two weeks" grants the two weeks, not the plan
                granted = any(self.t.hits[k].any(lo, start) for k in ("granting", "giving", "free_grant", "benefit_free"))
                spans = any(q.kind == "duration" for q in _quantities_between(self, lo, hi))
                if not granted or spans or self.reported_done(lo, hi) or self.t.hits["money_fact"].any(lo, hi):
                    continue
                self.add("membership_extension", start, end, amount=Decimal(months), unit="months")

    def coupons_counted(self, start: int, end: int) -> int | None:
        """The count said with a coupon word that names no value: right before it (两张优惠券) or spanning it
        ("two vouchers" is read as one count)."""
        for q in self.amounts_between(max(0, start - 12), end):
            if q.kind == "count" and q.unit == "coupons" and q.start < end and start - 2 <= q.end and q.value == q.value.to_integral_value():
                return int(q.value)
        return None

    def refund_said_before(self, slo: int) -> bool:
        """A refund already promised in the sentences just before: "the refund" said again is that refund."""
        return any(c.type == "refund" for c in self.found_in(max(0, slo - REPEAT_REACH), slo))

    def referred_sum(self, start: int, end: int, lo: int, slo: int) -> dict[str, Any]:
        """The sum a refund points back at ("charged in HKD by mistake — HK$95. We'll refund that", 多扣了12元，
        这笔钱退给您): the last money said in the sentence before, which the refund then promises."""
        hits = self.t.hits
        if not (hits["refers_back_after"].starts_at(end, 1) or hits["refers_back_before"].any(lo, start)):
            return {}
        plo, _ = self.t.sentence(max(0, slo - 2), max(0, slo - 2))
        said = [q for q in self.amounts if q.kind == "money" and plo <= q.start and q.end <= start and self.free(q.start, q.end)]
        if not said:
            return {}
        q = said[-1]
        return {"amount": plain(q.value), "unit": q.unit, "currency": q.unit}

    def amounts_between(self, lo: int, hi: int) -> list[Quantity]:
        """The quantities starting in [lo, hi)."""
        return _starting_in(self.amounts, lo, hi)

    def found_in(self, lo: int, hi: int) -> list[Commitment]:
        return [self.found[index] for index in self.found_at.starting_in(lo, hi)]

    def quoted_name(self, q: Quantity) -> bool:
        """The amount sits inside quotation marks in a clause that neither commits nor gives: the name of a plan
        or a programme (“7天免邮服务”), not an offer."""
        lo, hi = self.t.clause(q.start, q.end)
        if self.t.hits["commit"].any(lo, hi) or self.t.hits["giving"].any(lo, hi):
            return False
        slo, shi = self.t.sentence(q.start, q.end)
        return any(m.start() < q.start and q.end < m.end() for m in QUOTED.finditer(self.s, slo, shi))

    def granted_membership_term(self, q: Quantity, lo: int, hi: int) -> None:
        """您的VIP升到铂金，有效期一年 · "upgraded to Gold, valid for 6 months": the validity of a membership
        granted in its sentence (and no coupon there) is how long the membership is given — read as its length,
        not passed as a coupon's validity."""
        t = self.t
        slo, shi = t.sentence(q.start, q.end)
        unit = q.unit or "days"
        if unit not in ("months", "years", "weeks", "days") or t.remedy["coupon"].any(slo, shi) or not t.hits["membership"].any(slo, shi):
            return
        if not (t.hits["free_grant"].any(slo, shi) or t.hits["granting"].any(slo, shi)) or self.reported_done(lo, hi):
            return
        amount, written = (q.value * 12, "months") if unit == "years" else (q.value, unit)
        self.add("membership_extension", q.start, q.end, amount=amount, unit=written)

    def duration(self, q: Quantity, net: bool = False) -> None:
        """A duration promised (3天内到账, within five minutes). With `net` (the safety net's second pass) a
        duration in a sentence that commits the brand is a time promise even with no word of replying or
        processing: "两天内到", "in 30 seconds"."""
        t = self.t
        lo, hi = t.clause(q.start, q.end)
        unit = q.unit or "days"
        if (
            self.s[q.end : q.end + 1] == "前"
            or self.s[max(0, q.start - 1) : q.start] in ("前", "头", "第", "每")
            or _EVERY.search(self.s, max(0, q.start - 7), q.start)
        ):
            return  # 3天前: ago; 前6个月 / 头三天: the first six months; 每一天, "every 2 hours": a span, not a deadline
        # 会员延长七天有效期: the membership's own term extended, not a coupon's validity
        member_term = t.hits["membership"].any(lo, hi) and t.hits["free_grant"].any(lo, hi) and not t.remedy["coupon"].any(lo, hi)
        if not member_term and t.hits["validity"].any(max(lo, q.start - 12), min(hi, q.end + 8)):
            # a granted membership's validity is its length; a coupon's validity is read with the coupon
            self.granted_membership_term(q, lo, hi)
            return
        if self.general_information(q.start, q.end):
            return  # "top-ups normally arrive within 10 minutes": how a process usually goes
        granted = (
            t.hits["granting"].any(lo, hi)
            or t.hits["giving"].any(lo, hi)
            or self.listed_gift(lo, q.start)
            or bool(_FREE_MEMBER.search(self.s, lo, hi))
            or self.bounds_a_gift(*t.sentence(q.start, q.end))  # "Six months of VIP plus a 200-yuan red packet"
        )
        if (
            unit in ("months", "years", "weeks", "days")
            and t.hits["membership"].any(lo, hi)
            and granted
            and not (self.reported_done(lo, hi) and not self.pledged(lo, q.start, q.end))  # "we've added a month": still a grant
        ):
            # in the unit written (7天会员 is 7 days, not 0.233 months); the judge converts
            amount, written = (q.value * 12, "months") if unit == "years" else (q.value, unit)
            self.add("membership_extension", q.start, q.end, amount=amount, unit=written)
            return
        free_period = t.hits["free"].any(lo, hi) and unit in ("days", "weeks", "months", "years") and not t.hits["response"].any(lo, hi)
        # a free period put on the reader's account is theirs to use, told as done or not ("Three months of free
        # service have been added to your account", 已为您开通三个月免费会员)
        if t.hits["time_fact"].any(lo, hi) or self.past_sentence(q.start, q.end) or self.done(lo, hi) and not (free_period and granted):
            return  # "45 minutes late", "reported within 24 hours", "last Friday we replied within two hours"
        if free_period:
            if self.quoted_name(q):
                return  # 加入“7天免邮服务”: a plan's name quoted, given by no one in its sentence
            self.add("free_order", q.start, q.end, amount=q.value, unit=unit)  # 免费配送一个月
            return
        if re.search(r"(?<![a-z])for\s?$", self.s[max(0, q.start - 5) : q.start]):
            return  # "no activity for 24 months": a span of time, not a deadline
        if t.hits["quota_after"].starts_at(q.end, 0) and (t.hits["giving"].any(lo, q.start) or t.hits["granting"].any(lo, q.start)):
            self.add("free_order", q.start, q.end, amount=q.value, unit=unit)  # 送您100分钟通话时长: minutes given, not a deadline
            return
        if _CHECK_MONEY_AFTER.match(self.s, q.end) and _READER.search(self.s, *t.sentence(q.start, q.end)):
            # 5分钟后查一下零钱: the reader told where to look for the money, and when — the time it arrives by
            days = q.value if unit == "business_days" else _minutes(q.value, unit) / 1440
            self.add("processing_deadline", q.start, q.end, amount=days, unit="business_days" if unit == "business_days" else "days")
            return
        marked = (
            t.hits["within_after"].starts_at(q.end, 1)
            or t.hits["within_before"].ends_at(q.start, 8)
            or q.low is not None
            or t.hits["processing"].starts_at(_ARRIVAL_GAP.match(self.s, q.end).end(), 0)  # type: ignore[union-attr]
            or t.remedy["refund"].any(lo, q.start)
            and t.hits["action_after"].starts_at(_ARRIVAL_GAP.match(self.s, q.end).end(), 0)  # type: ignore[union-attr]
        )  # 3天内, within 5 minutes, 1-3个工作日, 三天(左右)到账, 退款几分钟就到
        if not marked and not t.hits["future"].any(lo, hi):
            return
        kind = self.time_kind(q.start, q.end, lo, hi)
        slo, shi = t.sentence(q.start, q.end)
        before = max(0, slo - BOUND_REACH)  # the bound may follow in a sentence of its own ("…; allow 3 business days.")
        bare = marked and len(self.s[lo:hi].strip()) - (q.end - q.start) <= BARE_BOUND
        if kind is None and bare and self.bounds_a_gift(before, shi):
            # "Refund of ¥43 is processing; allow 3 business days": a clause that is only the bound bounds the gift
            kind = self.time_kind(q.start, q.end, before, shi)
        if kind is None and bare and not self.general_information(slo, shi):
            kind = self.time_kind(q.start, q.end, slo, shi)  # 两个小时之内，您的退款就能到: the bound before its gift
        if kind is None and net:
            kind = self.unsaid_time_kind(q.start, q.end)
        if kind == "response_time":
            self.add("response_time", q.start, q.end, amount=_minutes(q.value, unit), unit="minutes")
        elif kind == "processing_deadline":
            days = q.value if unit == "business_days" else _minutes(q.value, unit) / 1440
            self.add("processing_deadline", q.start, q.end, amount=days, unit="business_days" if unit == "business_days" else "days")

    def listed_gift(self, lo: int, start: int) -> bool:
        """ "Full refund, a 30 yuan coupon, and half a year of VIP": a clause that continues a list of gifts
        already found in its sentence is given like them."""
        slo, _ = self.t.sentence(start, start)
        return bool(_LIST_CONTINUES.match(self.s, lo)) and any(c.type in ("refund", "coupon", "compensation") for c in self.found_in(slo, start))

    def done(self, lo: int, hi: int) -> bool:
        """The clause reports something done (已经退了, "was sent", 没送到) and promises nothing after it: "has
        been approved and will arrive within 3 days" still promises, "刚才太忙了…今天肯定到" too."""
        hits = self.t.hits
        if hits["narrative_past"].any(lo, hi) and not hits["commit"].any(lo, hi) and not hits["future"].any(lo, hi):
            return True  # told as what happened ("on 1 April we withdrew the 7–9 a.m. slot"), nothing promised in it
        past = hits["past"].within(lo, hi)
        if not past:
            return False
        last = max(e for _, e in past)
        return not any(s >= last for s, _ in self.t.hits["commit"].within(lo, hi)) and not any(
            s >= last for s, _ in self.t.hits["future"].within(lo, hi)
        )

    @staticmethod
    def outside(hits: Any, lo: int, hi: int, start: int, end: int) -> bool:
        """A hit in [lo, hi) that is not part of [start, end) (今晚到 holds 晚到, "late", but is not late)."""
        return any(e <= hi and (s >= end or e <= start) for s, e in hits.within(lo, hi))

    def after_deadline(self, end: int) -> int:
        """Where the action after a deadline starts: 今晚(前)(就)(会)到."""
        marker = re.match(r"\s?(?:之前|以前|之内|以内|为止|前|内)?(?:就|会|能|可以|都)?\s?", self.s[end : end + 6])
        return end + (marker.end() if marker else 0)

    def unsaid_time_kind(self, start: int, end: int) -> str | None:
        """The kind of a time promise whose clause names neither replying nor processing: response_time if
        its sentence is about replying or contacting, processing_deadline if it commits the brand to anything
        else, None if the sentence commits nothing (a fact or a condition)."""
        slo, shi = self.t.sentence(start, end)
        lo, hi = self.t.clause(start, end)
        hits = self.t.hits
        if self.done(lo, hi) or self.own_plan(lo, hi, slo, shi) or hits["instruction"].any(lo, hi) or hits["negation"].any(lo, hi):
            return None  # done; our own work plan; or what the customer is asked to do (请您充电半小时)
        committed = hits["commit"].any(lo, hi) or hits["giving"].any(lo, hi) or hits["action_after"].starts_at(self.after_deadline(end), 1)
        if not committed and not (hits["commit"].any(slo, shi) and not hits["instruction"].any(slo, shi)):
            return None
        if _TIME_AS_ADJECTIVE.fullmatch(self.s, start, end) and re.match(r"\s[a-z]", self.s[end : end + 2]):
            return None  # "the 24-hour line", "a 24 hour store": a duration as an adjective describes, it does not promise
        if _AFTER_TIME.match(self.s, end) or hits["copula_before"].ends_at(start, 1):
            return None  # 5分钟之后再试, "after 10 minutes": a wait, not a deadline; 检修时间是24小时: a fact
        kind = self.time_kind(start, end, slo, shi)
        if kind is not None:
            return kind
        return "response_time" if self.t.hits["response"].any(slo, shi) else "processing_deadline"

    def own_plan(self, lo: int, hi: int, slo: int, shi: int) -> bool:
        """The sentence is our own work plan (负责人…11月16日前完成, "next update by 6 pm") — unless the clause does
        something for the reader ("the colleague in charge will call you by 3 pm", 负责的同事周四前会联系您): a
        time that bounds an action addressed to them is promised to them."""
        hits = self.t.hits
        if not hits["own_work"].any(slo, shi):
            return False
        # an update of progress in the clause itself (11月14日18:00前会跟您同步进展) is the incident's schedule, whoever hears it;
        # only the owner named ("the colleague in charge") or a call to the reader leaves the action to be the reader's
        owners = set(hits["work_owner"].within(lo, hi))
        update = any(span not in owners for span in hits["own_work"].within(lo, hi)) and not hits["personal_call"].any(lo, hi)
        return update or not (_READER.search(self.s, lo, hi) and (hits["response"].any(lo, hi) or hits["commit"].any(lo, hi)))

    def past_sentence(self, start: int, end: int) -> bool:
        slo, shi = self.t.sentence(start, end)
        return bool(
            re.search(
                r"(?<![a-z])(last (week|friday|monday|tuesday|wednesday|thursday|saturday|sunday|time|month)|yesterday)(?![a-z])|上周|昨天|当时",
                self.s[slo:shi],
            )
        )

    def time_kind(self, start: int, end: int, lo: int, hi: int, remedies: bool = True) -> str | None:
        """response_time or processing_deadline, by the nearer of their words in [lo, hi); for durations any
        remedy word counts as processing ("30元优惠券3天内"), for deadlines only a refund does ("reimburse you
        by 5 December", but not "dinner's on us tonight")."""
        response = self.t.hits["response"].nearest(start, end, lo, hi)
        processing = self.t.hits["processing"].nearest(start, end, lo, hi)
        if processing is None:
            kinds = list(self.t.remedy) if remedies else ["refund"]
            money = [h for h in (self.t.remedy[k].nearest(start, end, lo, hi) for k in kinds) if h is not None]
            processing = min(money) if money else None
        if response is None and processing is None:
            return None
        if processing is None or (response is not None and response <= processing):
            return "response_time"
        return "processing_deadline"

    def free_orders_counted(self, q: Quantity) -> None:
        """next ten orders free · 接下来的十单都免费 · "cover delivery on your next three orders"."""
        if q.unit != "orders":
            return
        lo, hi = self.t.clause(q.start, q.end)
        slo, shi = self.t.sentence(q.start, q.end)
        # the free word in the count's own clause: "next two orders 50% off, and a free drink" frees no order
        if self.t.hits["free"].any(lo, hi) and self.t.hits["future_order"].any(lo, hi) and q.value > 1:
            for span in self.t.hits["free_order"].within(slo, shi):
                self.taken.add(*span)
            self.add("free_order", q.start, q.end, amount=q.value, unit="orders", count=int(q.value))

    def free_order_phrases(self) -> None:
        for start, end in self.t.hits["free_order"].spans:
            slo, shi = self.t.sentence(start, end)
            lo, hi = self.t.clause(start, end)
            if self.money_threshold(lo, hi) or self.t.hits["money_fact"].any(lo, hi):
                continue  # "delivery is free for orders over 30 yuan", "免运费仅限新用户": a rule, not a gift
            if self.t.hits["excess_apology"].any(max(0, start - 8), end):
                continue  # 多的算我们的赔偿: the excess of a refund, read with the refund (split_excess)
            if any(e > start for _, e in self.t.hits["free_idiom"].within(max(0, start - 40), end + 1)):
                continue  # "it's on us to fix our process": blame, not a free order
            # "3 months of Premium on the house", 一年的会员，全免费: the free word qualifies the membership in its
            # clause, or is all of a clause after it (本单免单，另外赠送三个月会员卡 still frees the order; 一年会员+
            # 三张免单券 gives vouchers of their own)
            alone = len(self.s[lo:hi].strip()) - (end - start) <= 2
            # 免单, "your order is free" name the order itself: a free order whatever else the sentence gives
            names_order = self.t.hits["whole_order"].any(start, end) or self.t.remedy["coupon"].starts_at(end, 1)
            if not names_order and any(c.type == "membership_extension" for c in self.found_in(*((slo, shi) if alone else (lo, hi)))):
                continue
            if self.free(start, end) and not any(c.type == "free_order" for c in self.found_in(slo, shi)):
                count = self.free_count(start, end)
                terms: dict[str, Any] = {"amount": Decimal(count), "unit": "orders", "count": count} if count > 1 else {}
                # 这个月的费用我们全免, "your next month of service is free": a free period, not one order
                period = next((unit for unit, pattern in lexicon().free_period.items() if pattern.search(self.s, lo, hi)), None)
                if period is not None and count <= 1:
                    self.add("free_order", start, end, amount=Decimal(1), unit=period)
                    continue
                self.add("free_order", start, end, applies_to="item" if self.free_thing(start, end, lo, hi) else None, **terms)

    def money_threshold(self, lo: int, hi: int) -> bool:
        """A threshold of spending in the clause (满30, "orders over 50 yuan"); one of time (迟到超过10分钟, "more than
        20 minutes late") is the condition of a pledge, not of a purchase."""
        return any(not _TIME_AFTER_THRESHOLD.match(self.s, e) for _, e in self.t.hits["threshold_before"].within(lo, hi))

    def free_count(self, start: int, end: int) -> int:
        """送您3次免费乘车, 两杯免费饮品券, 三张免单券, 免单三次, "two free nights": how many free things (1 when no
        count is said)."""
        lo, hi = self.t.clause(start, end)
        slo, _ = self.t.sentence(start, end)
        for match in _FREE_COUNT.finditer(self.s, max(slo, lo - 16), hi):
            value = parse_number(match.group(1) or match.group(2))
            if value is not None and 1 <= value <= 1000:
                return int(value)
        return 1

    def free_thing(self, start: int, end: int, lo: int, hi: int) -> bool:
        """The free word gives a thing or a service beside the order (一杯饮品免费, 换电池不收您钱, "a loaner phone
        for free", "a free tote bag with your next order"), not the order itself (这单全免, "your meal is on us")."""
        return not self.t.hits["whole_order"].any(max(lo, start - 20), min(hi, end + 12))

    def that_day(self, d: Deadline) -> bool:
        """当天 / "that same day" after a date already past, in the same or the sentence before: the day of
        that event (a narrative), not a same-day promise (当天到账 with no date before it still is one)."""
        if not _THAT_DAY.fullmatch(self.s, d.start, d.end):
            return False
        for match in _MONTH_DAY.finditer(self.s, max(0, d.start - THAT_DAY_REACH), d.start):
            month, day = int(match.group(1)), int(match.group(2))
            if 1 <= month <= 12 and 1 <= day <= 31 and (month, day) < (self.now.month, self.now.day):
                return True
        return False

    def deadline(self, d: Deadline, net: bool = False) -> None:
        """A deadline promised (明天之前退回, by Friday). With `net`, a deadline in a sentence that commits
        the brand, or right before an action (钱今晚到, 券今晚发), is a time promise whatever it is about."""
        t = self.t
        lo, hi = t.clause(d.start, d.end)
        slo, shi = t.sentence(d.start, d.end)
        if (
            t.hits["free"].any(lo, hi)
            and _RUNS_UNTIL.search(self.s, max(lo, d.start - 30), d.start)
            and _READER.search(self.s, slo, shi)
            and not self.done(lo, hi)
        ):
            self.add("free_order", d.start, d.end, amount=None, unit=None)
            return  # "your free period runs to the end of March", 免费会员顺延到3月底: a free period granted to a day
        by = t.hits["before_before"].ends_at(d.start, 3)
        # "will land on 2 December"; 退款周三(就能)到账: the day said right before the money arrives
        arrives = bool(_ARRIVES_BEFORE.search(self.s, max(0, d.start - 24), d.start) or _ARRIVES_AFTER_ZH.match(self.s, d.end))
        marked = d.relative or t.hits["before_after"].starts_at(d.end, 1) or by or arrives
        if not marked or _DATE_RANGE.match(self.s, d.end) and not d.relative:
            return  # 11月11日到13日: the incident's dates (but 12月10日到账 is an arrival)
        if (
            self.outside(t.hits["time_fact"], lo, hi, d.start, d.end)
            or self.own_plan(lo, hi, slo, shi)
            and not t.remedy["refund"].any(lo, hi)
            or self.past_sentence(d.start, d.end)
            or self.done(lo, hi)
        ):
            return  # our own action plan ("11月16日前完成", "next update by 6 pm"), or the past
        if self.that_day(d) or self.general_information(d.start, d.end):
            return  # "5月6日…我们当天查明": the day of a past event told before, not today; what usually happens
        kind = self.time_kind(d.start, d.end, lo, hi, remedies=False)
        if kind is None and (not d.relative or by or arrives):
            kind = self.time_kind(d.start, d.end, slo, shi, remedies=False)  # "…and an extra $100, by Wednesday at the latest"
        if kind is None and net and (t.hits["action_after"].starts_at(self.after_deadline(d.end), 1) or t.hits["commit"].any(lo, hi)):
            kind = self.unsaid_time_kind(d.start, d.end)
        if kind is None and not d.relative and self.bounds_a_gift(lo, hi) and not self.t.hits["until"].any(max(lo, d.start - 8), min(hi, d.end + 4)):
            kind = "processing_deadline"  # "everyone gets 100k gold by Thursday": the time the gift read in its clause comes by
        if kind is None:
            return
        end = d.end
        marker = re.match(r"\s?(?:之前|以前|之内|以内|为止|前|内)", self.s[end : end + 3])
        if marker:
            end += marker.end()
        days = None
        if d.due is not None and d.due.date() < self.now.date():
            return  # a date already past ("done by 16 Nov" read on 30 Nov) is a fact, not a promise
        if d.due is not None:
            if kind == "processing_deadline":  # whole days: "by Thursday" said on Monday is 3 days
                days = Decimal(max(0, (d.due.date() - self.now.date()).days))
            else:
                days = max(Decimal(0), Decimal((d.due - self.now).total_seconds()) / 86400).quantize(Decimal("0.001"))
        phrase_start, phrase_end = self.t.norm.span(d.start, end)
        self.add(kind, d.start, end, unit="deadline", deadline=self.original[phrase_start:phrase_end], deadline_days=days)

    def immediate_times(self) -> None:
        """172块马上到, 秒到账, 客服秒回, "the refund lands instantly": money arriving or a reply coming at once is a
        deadline of now — a time promise, whatever rule of days or minutes is in force. The money must be in the
        clause (马上到 alone is also a rider on the way); what usually happens is information, not a promise."""
        for name, kind in (("immediate_arrival", "processing_deadline"), ("immediate_reply", "response_time")):
            for start, end in self.t.hits[name].spans[:50]:
                lo, hi = self.t.clause(start, end)
                # the words may share a span with the refund they time ("the money will be back instantly"); a time
                # named in the sentence is what "at once" means there (马上给您回电，一分钟之内)
                slo, shi = self.t.sentence(start, end)
                if any(c.type in ("processing_deadline", "response_time") for c in self.found_in(lo, hi)) or any(
                    c.type == kind and c.unit != "deadline" for c in self.found_in(slo, shi)
                ):
                    continue
                if self.general_information(start, end) or self.done(lo, hi) or self.t.hits["time_fact"].any(lo, hi):
                    continue
                money = "到账" in self.s[start:end] or not is_cjk(self.s[start : start + 1]) or self.bounds_a_gift(lo, hi)
                if kind == "processing_deadline" and not (money or any(h.any(lo, hi) for h in self.t.remedy.values())):
                    continue
                o_start, o_end = self.t.norm.span(start, end)
                self.add(kind, start, end, unit="deadline", deadline=self.original[o_start:o_end], deadline_days=Decimal(0))
        for start, end in self.t.hits["no_wait"].spans[:50]:
            lo, hi = self.t.clause(start, end)
            slo, _ = self.t.sentence(start, end)
            if any(c.type == "processing_deadline" for c in self.found_in(max(0, slo - BOUND_REACH), hi)) or not self.bounds_a_gift(
                max(0, slo - BOUND_REACH), hi
            ):
                continue
            o_start, o_end = self.t.norm.span(start, end)
            self.add("processing_deadline", start, end, unit="deadline", deadline=self.original[o_start:o_end], deadline_days=Decimal(0))

    def immediate_gifts(self) -> None:
        """ "We'll refund the 86 yuan right away", 我们立刻给您退: a word of "at once" in the committing clause of a
        remedy read with no time is a qualifier the reading left out — a processing time of now, faster than any
        rule of days (a call "right away" is a reply, not this; a story or a refusal promises nothing)."""
        t = self.t
        for start, end in t.hits["immediate_word"].spans[:50]:
            lo, hi = t.clause(start, end)
            slo, shi = t.sentence(start, end)
            if not any(c.type in _PAID_OUT for c in self.found_in(lo, hi)):
                continue  # (a membership "activated right away" is switched on, not money or a coupon to process)
            if any(c.type in ("processing_deadline", "response_time") for c in self.found_in(slo, shi + BOUND_REACH)):
                continue  # the time is read already, here or right after (退款秒到账; 马上给您退！一分钟都不让您多等)
            commits = (
                t.hits["commit"].any(lo, hi)
                or t.hits["giving"].any(lo, hi)
                or t.hits["commit"].any(slo, shi)
                and not t.hits["instruction"].any(slo, shi)
            )
            if not commits or t.hits["response"].any(lo, hi):
                continue
            if self.done(lo, hi) or t.hits["negation"].any(lo, hi) or t.hits["time_fact"].any(lo, hi) or self.general_information(start, end):
                continue
            o_start, o_end = t.norm.span(start, end)
            self.add("processing_deadline", start, end, unit="deadline", deadline=self.original[o_start:o_end], deadline_days=Decimal(0))

    def plural_coupons(self) -> None:
        """ "a pair of 30-yuan coupons", "30 yuan vouchers for you": coupons in the plural with no count read are
        more than one, how many unsaid — judged on terms no rule has (default-deny), never as the rule's one."""
        where = {index: (s, e) for bucket in self.found_at.buckets.values() for s, e, index in bucket}
        for index, c in enumerate(self.found):
            if c.type != "coupon" or c.amount is None or c.count is not None or index not in where:
                continue
            end = where[index][1]
            plural = _PLURAL_COUPONS.match(self.s, end)
            if plural and not _YOUR_BEFORE.search(self.s, max(0, where[index][0] - 8), where[index][0]):
                self.open_terms[(c.start, c.end)] = f"coupons in the plural, how many not said (“{self.original[c.start : c.end]}…”)"

    def discounts_counted(self) -> None:
        """ "20% off your next three orders", 下两单都打八折: a discount on a number of orders to come says how many."""
        where = {index: (s, e) for bucket in self.found_at.buckets.values() for s, e, index in bucket}
        for index, c in enumerate(self.found):
            if c.type != "discount" or c.count is not None or index not in where:
                continue
            lo, hi = self.t.clause(*where[index])
            if not self.t.hits["future_order"].any(lo, hi):
                continue
            orders = [q for q in self.amounts_between(lo, hi) if q.kind == "count" and q.unit == "orders" and q.value > 1]
            if orders:
                self.found[index] = c.model_copy(update={"count": int(orders[0].value)})

    def capped_discounts(self) -> None:
        """给您一张8折券，最高抵扣20元 · "a 50% off voucher, up to 20 yuan": the sum is the cap of a discount coupon,
        not the rule's coupon of that value — the coupon promised is one no rule grants."""
        where = {index: (s, e) for bucket in self.found_at.buckets.values() for s, e, index in bucket}
        for index, c in enumerate(self.found):
            if c.type != "coupon" or c.amount is None or index not in where:
                continue
            start, end = where[index]
            if not _CAP_BEFORE.search(self.s, max(0, start - 12), start):
                continue
            slo, _ = self.t.sentence(start, end)
            if any(d.type == "discount" for d in self.found_in(slo, start)):
                self.open_terms[(c.start, c.end)] = f"a discount coupon capped at {plain(c.amount)} CNY (“{c.phrase}”), not a coupon of that value"

    def bounds_a_gift(self, lo: int, hi: int) -> bool:
        """The clause holds a gift the grammar read (money, a coupon, free things, a membership): a "by" date in
        it is when that gift arrives."""
        return any(c.type in _GIFTS for c in self.found_in(lo, hi))

    def restated_shares(self) -> None:
        """ "Half the order, 43 yuan", "¥43 (half)", 订单的一半，43元: a share of the price said right beside the sum
        read as its refund is that sum said twice — the share is read with it (a partial refund), not left over."""
        shares = [*self.t.hits["half_of"].spans, *((q.start, q.end) for q in self.amounts if q.kind == "percent")]
        for start, end in shares[:200]:
            if not self.free(start, end):
                continue
            slo, shi = self.t.sentence(start, end)
            for index in self.found_at.starting_in(slo, shi):
                c = self.found[index]
                if c.type != "refund" or c.currency is None:
                    continue
                o_start, o_end = self.t.norm.span(start, end)
                before = o_end <= c.start and _APPOSITION_GAP.fullmatch(self.original[o_end : c.start].lower())
                after = c.end <= o_start and _SHARE_AFTER_GAP.fullmatch(self.original[c.end : o_start].lower())
                if before or after:
                    self.taken.add(start, end)
                    if c.scope is None:
                        self.found[index] = c.model_copy(update={"scope": "partial"})
                    break

    def merge_appositions(self) -> None:
        """退一半，也就是43元 · 退0.5倍，就是43元 · 赔付订单金额的两倍，即172元: a share of the price and the
        amount it comes to, said one after the other, are one promise. A refund share keeps the amount (the
        judge checks it against the order); a multiple above one keeps the multiple (it names the breach)."""
        ordered = sorted(range(len(self.found)), key=lambda i: self.found[i].start)
        dropped: set[int] = set()
        for a, b in zip(ordered, ordered[1:], strict=False):
            first, second = self.found[a], self.found[b]
            if first.unit not in ("percent", "multiple") or second.currency is None or a in dropped:
                continue
            if first.type not in ("refund", "compensation") or (first.unit == "percent" and first.type != "refund"):
                continue
            if not _APPOSITION_GAP.fullmatch(self.original[first.end : second.start].lower()):
                continue
            if first.unit == "multiple" and (first.amount or 0) > 1:
                dropped.add(b)
                continue
            update: dict[str, Any] = {"type": "refund"} if first.type == "refund" or first.unit == "multiple" else {}
            if (first.amount or 0) < (100 if first.unit == "percent" else 1):
                update["scope"] = "partial"
            update["applies_to"] = second.applies_to or first.applies_to
            self.found[b] = second.model_copy(update=update)
            dropped.add(a)
        if dropped:
            self.keep_only([i for i in range(len(self.found)) if i not in dropped])

    def split_excess(self) -> None:
        """退一百，多的算我们的赔偿 · "refunding 90 — the extra 4 is our apology": a refund above the order's amount
        whose sentence names the excess as an apology is the order refunded in full plus the excess as cash
        compensation (which no rule backs) — not a refund larger than the order."""
        if self.order_amount is None:
            return
        where = {index: (s, e) for bucket in self.found_at.buckets.values() for s, e, index in bucket}
        repeated: set[int] = set()
        for index, c in enumerate(list(self.found)):
            if c.type != "refund" or c.amount is None or c.unit in ("percent", "multiple") or c.currency not in (BOOK_CURRENCY, None):
                continue
            if c.amount <= self.order_amount or index not in where:
                continue
            start, end = where[index]
            slo, shi = self.t.sentence(start, end)
            if not self.t.hits["excess_apology"].any(end, shi):
                continue
            excess = plain(c.amount - self.order_amount)
            money = {"unit": BOOK_CURRENCY, "currency": BOOK_CURRENCY}
            self.found[index] = c.model_copy(update={"amount": plain(self.order_amount), "scope": "full", **money})
            self.netted.discard((c.start, c.end))  # a bare "refunding 90" read against the order: the order's currency
            in_sentence = self.found_at.starting_in(slo, shi)
            named = [i for i in in_sentence if self.found[i].type == "compensation" and self.found[i].amount == excess]
            for i in named:  # "the extra 4 is our apology": the excess said in the order's currency
                self.found[i] = self.found[i].model_copy(update=money)
            if not named:
                self.add("compensation", start, end, amount=excess, **money)
            # the refund verb read before the amount was found (退一百: 退, then 一百) is this refund, said once
            repeated.update(i for i in in_sentence if self.found[i].type == "refund" and self.found[i].amount is None)
        if repeated:
            self.keep_only([i for i in range(len(self.found)) if i not in repeated])

    def keep_only(self, indices: list[int]) -> None:
        """Keep these promises (by index) and re-key where they are."""
        where = {index: (s, e) for bucket in self.found_at.buckets.values() for s, e, index in bucket}
        self.found_at = SpanSet()
        found: list[Commitment] = []
        for index in indices:
            self.found_at.add(*where[index], len(found))
            found.append(self.found[index])
        self.found = found

    def drop_work_plan(self) -> None:
        """What happened, why, and our own action list (each with an owner and a date) describe the incident
        and our work, not what this reader gets: "原因：…24小时内有照片可以直接退", "What we're changing: refund
        every cancelled order in full; Wei Guo owns it". A clause in such a passage that speaks to the reader
        is still a promise to them."""
        if not self.found or not self.work_plan().count:
            return
        where = {index: (s, e) for bucket in self.found_at.buckets.values() for s, e, index in bucket}
        keep = [index for index in range(len(self.found)) if not self.told_as_work_plan(*where[index])]
        if len(keep) < len(self.found):
            self.keep_only(keep)

    def work_plan(self) -> SpanSet:
        """The headline and the passages after a header of what happened, why, or our own action list."""
        if self.passages is None:
            headline = self.headline()
            self.passages = SpanSet([headline] if headline else [])
            for _, end in self.t.hits["plan_header"].spans:
                stop = _PASSAGE_END.search(self.s, end, min(len(self.s), end + PASSAGE_REACH))
                self.passages.add(end, stop.start() if stop else min(len(self.s), end + PASSAGE_REACH))
        return self.passages

    def told_as_work_plan(self, start: int, end: int) -> bool:
        """[start, end) sits in the headline or a work-plan passage, in a clause that does not speak to the reader."""
        lo, hi = self.t.clause(start, end)
        return self.work_plan().contains(start, end) and not _READER.search(self.s, lo, hi)

    def headline(self) -> tuple[int, int] | None:
        """A statement's title: a short first line with no sentence end in it ("About half-price week: our
        statement", 关于…的说明) names the incident, it promises nothing."""
        first = self.s.find("\n", 0, HEADLINE_REACH)
        if first <= 0 or _PASSAGE_END.search(self.s, 0, first):
            return None
        return (0, first)

    def drop_declined_demands(self) -> None:
        """An amount in a clause that names it as the customer's demand or someone's claim, declined in its
        sentence or the next ("you're asking for 500 yuan, but that's not something we offer", 您提出的十倍赔偿
        要求不符合规则, "Reports that we pay everyone 500 yuan are false"), is refused, not promised; a promise in
        another clause of the same sentence ("I can't do the 1,000 you asked for, but I'll refund the 86") stays."""
        if not self.t.hits["attribution"].spans or not self.t.hits["decline"].spans:
            return
        where = {index: (s, e) for bucket in self.found_at.buckets.values() for s, e, index in bucket}
        refused: set[int] = set()
        for index in range(len(self.found)):
            if index not in where:
                continue
            start, end = where[index]
            lo, hi = self.t.clause(start, end)
            if not self.t.hits["attribution"].any(lo, hi):
                continue
            _, shi = self.t.sentence(start, end)
            _, next_hi = self.t.sentence(shi, shi + 1) if shi < len(self.s) else (shi, shi)
            if self.t.hits["decline"].any(lo, max(shi, next_hi)):
                refused.add(index)
        if refused:
            self.keep_only([i for i in range(len(self.found)) if i not in refused])

    def drop_corrected_relays(self) -> None:
        """A colleague's promise passed on (同事说会给您退100元, "my colleague said we'd refund you") reaches the
        customer through us, so it stands, unless its sentence or the next takes it back: a correction anywhere
        there (说错了, "that was a mistake"), or a refusal after the promise's own clause (…，但没有做到, "…, and
        we didn't"). A refusal before it ("we can't refuse what our colleague said we'd refund") is not one."""
        relayed = self.t.hits["relayed"]
        if not relayed.spans:
            return
        where = {index: (s, e) for bucket in self.found_at.buckets.values() for s, e, index in bucket}
        taken_back: set[int] = set()
        for index, (start, end) in where.items():
            lo, hi = self.t.clause(start, end)
            if not any(e <= start for _, e in relayed.within(lo, start)):
                continue
            _, shi = self.t.sentence(start, end)
            _, next_hi = self.t.sentence(shi, shi + 1) if shi < len(self.s) else (shi, shi)
            reach = max(shi, next_hi)
            if self.t.hits["correction"].any(lo, reach) or self.t.hits["decline"].any(hi, reach):
                taken_back.add(index)
        if taken_back:
            self.keep_only([i for i in range(len(self.found)) if i not in taken_back])

    def drop_declined_quotes(self) -> None:
        """A quoted promise is still a promise, unless the sentence attributes it to someone else or
        declines it right next to it, AND declines it: 您提到的“赔偿1000元”，我们无法承诺."""
        quotes = SpanSet(m.span() for m in QUOTED.finditer(self.s))
        if not quotes.count:
            return
        where = {index: (s, e) for bucket in self.found_at.buckets.values() for s, e, index in bucket}
        keep: list[int] = []
        for index in range(len(self.found)):
            quote = quotes.container(*where[index])
            if quote is not None:
                lo, hi = self.t.sentence(*quote)
                decline = self.t.hits["decline"]
                if decline.any(lo, hi) and (self.t.hits["attribution"].any(lo, hi) or decline.any(max(lo, quote[0] - 25), min(hi, quote[1] + 25))):
                    continue
            keep.append(index)
        self.keep_only(keep)  # re-keyed: the last net asks what was read where


class _SafetyNet:
    """Default-deny after the grammar. Whatever the precise grammar left unclassified and nothing marks as a
    fact becomes a promise to judge:
    - money (a number with a currency, a word like "a tenner", or a bare number after a verb of giving or
      going to a payment channel) that is not a fact by positive evidence (done: 已/already; a price or an
      order's value; a threshold; the customer's demand; a question; a refusal) is cash compensation, which
      no rule backs;
    - a duration or a deadline in a sentence that commits the brand is a time promise, judged normally;
    - a benefit without an amount (免单, 终身VIP, "on us", a replacement sent) in such a sentence is a free
      order or a membership, judged normally.
    Facts must be shown, promises need not be: a reply that says money and cannot be read is held."""

    def __init__(self, extractor: _Extractor) -> None:
        self.x, self.t, self.s = extractor, extractor.t, extractor.s
        self.quotes = SpanSet(m.span() for m in QUOTED.finditer(self.s))

    def run(self, amounts: list[Quantity], deadlines: list[Deadline]) -> None:
        for q in [*amounts, *self.money_words()]:
            if q.kind in ("money", "bare") and self.x.free(q.start, q.end):
                self.money(q)
        for q in amounts:
            if q.kind in ("bare", "count") and self.x.free(q.start, q.end):
                self.reward(q)
        for q in amounts:
            if q.kind == "duration" and self.x.free(q.start, q.end):
                self.x.duration(q, net=True)
        for deadline in deadlines:
            if self.x.free(deadline.start, deadline.end):
                self.x.deadline(deadline, net=True)
        self.benefits()
        self.cash_gifts()

    def cash_gifts(self) -> None:
        """给您发个红包, "a cash payment for the trouble": cash given with no sum named, once per sentence where no
        money was read — compensation, which no rule backs."""
        done: set[int] = set()
        for start, end in self.t.hits["cash_gift"].spans[:50]:
            slo, shi = self.t.sentence(start, end)
            lo, hi = self.t.clause(start, end)
            if slo in done or not self.x.free(start, end) or any(c.type in ("compensation", "refund") for c in self.x.found_in(slo, shi)):
                continue
            gives = self.t.hits["giving"].any(lo, hi) or self.t.remedy["compensation"].any(lo, hi)
            if (
                not gives
                or self.x.not_ours(start, end)
                or self.asks(start, end)
                or self.x.past_fact(lo, hi, start)
                or self.t.hits["money_fact"].any(lo, hi)
            ):
                continue
            if any(q.kind in ("money", "bare") for q in self.x.amounts_between(lo, hi)) or self.t.hits["completed"].any(slo, shi):
                continue  # 补偿了5元红包: the sum says what it is (read, or a fact); 共计发出红包132个: handed out before
            if self.quotes.contains(start, end) or self.t.hits["instruction"].any(slo, shi):
                continue  # “千元红包天天有” names a campaign; 请您警惕…电子红包等诈骗 warns, it gives nothing
            if _NONE_OF.search(self.s, lo, start) or self.t.hits["decline"].any(slo, shi):
                continue  # 我们目前没有现金赔偿的政策, "our policy doesn't include cash": names cash and gives none
            if self.x.add("compensation", start, end) is not None:
                done.add(slo)

    def money_words(self) -> list[Quantity]:
        words = lexicon().data["money_words"]
        found = []
        for match in _MONEY_WORD.finditer(self.s):
            value, currency = words[match.group()]
            found.append(Quantity(Decimal(value), match.start(), match.end(), "money", currency))
        return found

    def money(self, q: Quantity) -> None:
        lo, hi = self.continued_clause(q.start, q.end)
        currency = q.unit
        if not self.offered(q, lo, hi):
            return  # money in a clause that gives nothing, names no remedy and promises nothing: a price, a sum
        if q.kind == "bare":
            if not self.sent_as_money(q, lo, hi):
                return
            cjk = not self.s[max(lo, q.start - 12) : q.start].isascii()
            currency = BOOK_CURRENCY if cjk or self.t.hits["payment_channel"].any(lo, hi) else None
        if self.is_fact(q, lo, hi):
            return
        slo, shi = self.t.sentence(q.start, q.end)
        kind = self.x.remedy_kind(q.start, q.end, max(slo, q.start - 40), min(shi, q.end + 40))
        if kind is None:
            # 年费给您免了，共计680元: the net holds every sum it reads, so a waiver here stays the refund older labels call it
            kind = "refund" if self.t.hits["waiver"].any(slo, shi) else "compensation"
        c = self.x.add(kind, q.start, q.end, amount=q.value, unit=currency, currency=currency)
        if c is not None:
            self.x.netted.add((c.start, c.end))

    def reward(self, q: Quantity) -> None:
        """ "5,000 bonus miles", 补偿里程5000公里, "100k gold": a number of the brand's own reward units given is
        compensation in no currency the book pays (judged unbacked), unless something shows it is a fact."""
        after = lexicon().reward_unit_after.match(self.s, q.end)
        before = self.t.hits["reward_noun_before"].ends_at(q.start, 3)
        if not (after or before) or q.value <= 0:
            return
        if _WORTH.match(self.s, after.end() if after else q.end):
            return  # "500 points, worth 5 yuan": the money they are worth is the promise, read as money
        end = after.end() if after else q.end
        lo, hi = self.continued_clause(q.start, end)
        # the reward's own name (积分, points) is also a coupon word: only giving, a promise or a remedy of
        # money makes it given (您的积分余额为3200 gives nothing)
        hits = self.t.hits
        offered = (
            hits["giving"].any(lo, hi)
            or hits["commit"].any(lo, hi)
            or self.t.remedy["compensation"].any(lo, hi)
            or self.t.remedy["refund"].any(lo, hi)
        )
        if not offered or self.x.not_ours(q.start, q.end) or self.asks(q.start, q.end):
            return
        if (
            self.x.past_fact(lo, hi, q.start)
            or hits["demand"].any(lo, hi)
            or hits["money_fact"].any(lo, hi)
            or hits["threshold_before"].any(max(lo, q.start - 12), q.start)
        ):
            return
        if hits["fact"].any(lo, hi) and not hits["giving"].any(lo, hi):
            return  # a balance, a price: what the customer has, not what we give
        c = self.x.add("compensation", q.start, end, amount=q.value, unit=None, currency=None)
        if c is not None:
            self.x.netted.add((c.start, c.end))

    def continued_clause(self, start: int, end: int) -> tuple[int, int]:
        """A clause that adds to a list of gifts ("…, plus 2,000 miles", "，另外500积分") shares the verb of
        the clause before it: the clause, widened back to its sentence's start."""
        lo, hi = self.t.clause(start, end)
        if _LIST_CONTINUES.match(self.s, lo):
            lo = self.t.sentence(start, end)[0]
        return lo, hi

    def offered(self, q: Quantity, lo: int, hi: int) -> bool:
        hits = self.t.hits
        if hits["waiver"].any(*self.t.sentence(q.start, q.end)):
            return True  # 服务费给您免掉，一共120元: the sum of what is waived
        return hits["giving"].any(lo, hi) or hits["commit"].any(lo, hi) or any(h.any(lo, hi) for h in self.t.remedy.values())

    def sent_as_money(self, q: Quantity, lo: int, hi: int) -> bool:
        """A bare number that is money: given (给您补偿0.5万, "credit 1k", 转500到你支付宝) and not a count,
        a phone number or an order number."""
        if q.script == "zh" and q.value < 10 or q.script == "en" and q.value < 100:
            return False  # 退一部分, "five coupons": a word for one or five is a count; "two thousand" given is money
        if _COUNTED.match(self.s, q.end) or q.value <= 0 or (q.value >= 10000 and not re.search(r"[kw万千]$", self.s[q.start : q.end])):
            return False
        if self.s[max(0, q.start - 1) : q.start] in ("#", "号", "第") or _coded(self.s, q):
            return False
        after = self.s[q.end : q.end + 2]
        # A Han character right after the number names what is counted; punctuation or kana after it do not.
        if is_cjk(after[:1]) and after[0] not in "给过去到了的吧哦啊呀呢" or re.match(r"[到至]\d", after):
            return False  # 充值91豆 counts beans; 发送108到10001 is a text message
        return self.x.given(q) or self.x.bare_gift(q)

    def is_fact(self, q: Quantity, lo: int, hi: int) -> bool:
        """Positive evidence that the amount is not promised: a question, a refusal or someone else's words;
        a threshold or a unit price; a price, a fee or the order's value; something done; a demand."""
        x, hits = self.x, self.t.hits
        if x.not_ours(q.start, q.end) or self.asks(q.start, q.end):
            return True
        if (
            x.is_threshold(q)
            or _UNIT_PRICE.match(self.s, q.end)
            or _RATE_AFTER.match(self.s, q.end)
            or hits["threshold_before"].any(max(lo, q.start - 12), q.start)
        ):
            return True
        if q.script != "digits" and q.value < 10 and self.s[q.end - 1 : q.end] == "块":
            return True  # 这一块的服务, 两块: a measure word, not money
        gives = hits["giving"].any(lo, hi) or any(h.any(lo, hi) for h in self.t.remedy.values())
        if hits["copula_before"].ends_at(q.start, 1) and not gives:
            return True  # 后盖需要100元, "it'll be $3": what something costs
        given = x.given(q)
        if not given and (x.describes_fact(q) or hits["fact"].any(lo, hi) and not hits["giving"].any(lo, hi)):
            return True
        if hits["money_fact"].any(lo, hi) or x.past_fact(lo, hi, q.start) or hits["demand"].any(lo, hi):
            return True
        slo, shi = self.t.sentence(q.start, q.end)
        if hits["decline"].any(slo, shi) and hits["attribution"].any(slo, shi) or hits["own_work"].any(slo, shi):
            return True  # a refused demand; or our own work plan (an owner, a progress update)
        # a price list or an announcement ("单人份39元", "this combo is 99 yuan") speaks to no one and gives nothing
        return not (_READER.search(self.s, slo, shi) or self.commits(q.start, q.end) or any(h.any(slo, shi) for h in self.t.remedy.values()))

    def asks(self, start: int, end: int) -> bool:
        """A question, unless it only asks whether an offer suits (我给您办个终身VIP，您看行不行？)."""
        return self.x.question_sentence(start, end) and not self.x.proposes(start, end)

    def commits(self, start: int, end: int, strict: bool = False) -> bool:
        """The sentence commits the brand: a future or promising word, a verb of giving, a future order.
        `strict`: in the clause itself (免费 and free are too common to borrow a promise from elsewhere)."""
        slo, shi = self.t.clause(start, end) if strict else self.t.sentence(start, end)
        if strict and len(self.s[slo:shi].strip()) <= 6:
            slo, shi = self.t.sentence(start, end)  # "送您两节，免费。", ", no charge": the word is the whole clause
        return (
            self.t.hits["commit"].any(slo, shi)
            or self.t.hits["giving"].any(slo, shi)
            or self.t.hits["future_order"].any(slo, shi)
            or self.t.remedy["compensation"].any(slo, shi)
        )  # 补偿您一次免费贴膜: a remedy verb commits too

    def benefits(self) -> None:
        """免单, 终身VIP, "dinner's on us", 补发一份: a benefit with no amount, once per sentence."""
        done: set[int] = set()
        for name in ("replacement", "gift_item", "lifetime", "benefit_free"):
            tried: dict[tuple[int, int], int] = {}
            for start, end in self.t.hits[name].spans:
                piece = (self.t.sentence_start(start), start // SENTENCE_REACH)
                tried[piece] = tried.get(piece, 0) + 1  # a sentence of ten thousand "free" costs no more than one
                if tried[piece] > 2 or not self.x.free(start, end):
                    continue
                slo, shi = self.t.sentence(start, end)
                lo, hi = self.t.clause(start, end)
                # one free benefit a clause (这单全免，另外送您3次免费乘车 holds two); a membership found in the
                # sentence is what a free word there qualifies ("3 months of Premium on the house")
                if (
                    lo in done
                    or any(c.type == "free_order" for c in self.x.found_in(lo, hi))
                    or any(c.type == "membership_extension" for c in self.x.found_in(slo, shi))
                ):
                    continue
                short = len(self.s[lo:hi].strip()) <= 6  # "，免费的哈": the word qualifies its sentence
                if name == "benefit_free" and (self.x.found_in(lo, hi) or short and self.x.found_in(slo, shi)) and not self.listed_after(start, lo):
                    continue  # "take 25% off, on me", "here's a tenner on us": the gift word of a promise found
                # a replacement or a gift word names its own action (补发一份, 这单不要钱了); "free", or a gift word
                # quoted (a plan's name: “每单免运费”), needs a sentence that commits
                quoted = self.quotes.contains(start, end)
                if ((self.s[start:end] in _PLAIN_FREE or quoted) and not self.commits(start, end)) or self.benefit_is_fact(start, end, lo, hi):
                    continue
                if (
                    name == "replacement"
                    and _REPLACEMENT_NOUN.match(self.s, end)
                    or name == "replacement"
                    and re.search(r"(?:your|the) $", self.s[max(0, start - 5) : start])
                ):
                    continue  # 补发的餐品会…, "your replacement meal will…": the subject of a time promise, not a gift
                if name == "benefit_free" and self.s[start:end] in _PLAIN_FREE and not self.commits(start, end, strict=True):
                    continue
                if name in ("replacement", "gift_item"):  # 补发一份, 送您一杯奶茶: a thing given at our cost
                    added = self.x.add("free_order", start, end, applies_to="item")
                elif name == "lifetime" or self.t.hits["benefit_member"].any(lo, hi):
                    if not self.t.hits["benefit_member"].any(lo, hi):
                        continue  # 永远爱您: lifetime of nothing the brand grants
                    added = self.x.add("membership_extension", start, end)
                else:
                    count, period = self.x.free_count(start, end), self.free_period(start, end)
                    terms: dict[str, Any] = (
                        {"amount": Decimal(1), "unit": period} if period else {"amount": count, "unit": "orders"} if count > 1 else {}
                    )
                    if not period and self.x.free_thing(start, end, lo, hi):
                        terms["applies_to"] = "item"
                    added = self.x.add("free_order", start, end, **terms)
                if added is not None:
                    done.add(lo)

    def listed_after(self, start: int, lo: int) -> bool:
        """ "a ¥30 voucher and a free-shipping pass", 一张券，另外一次免费配送: a free benefit listed after the
        promise found in its clause is a second gift, not the first one's gift word."""
        before = [c.end for c in self.x.found_in(lo, start) if c.end <= start]
        if not before:
            return False
        joiner = _NEXT_GIFT.search(self.s, max(before), start)
        return joiner is not None and bool(_LISTED_ARTICLE.fullmatch(self.s, joiner.end(), start))

    def free_period(self, start: int, end: int) -> str | None:
        """ "we'll cover your next week of lunches", 下个月您点的所有单都免配送费: a free benefit for a period."""
        lo, hi = self.t.clause(start, end)
        for unit, pattern in lexicon().free_period.items():
            if pattern.search(self.s, lo, hi):
                return unit
        return None

    def benefit_is_fact(self, start: int, end: int, lo: int, hi: int) -> bool:
        hits = self.t.hits
        if (
            self.asks(start, end)
            or self.t.hits["instruction"].any(*self.t.sentence(start, end))
            and self.s[start:end] in _PLAIN_FREE
            or _FREE_IDIOM.search(self.s, max(0, start - 12), min(len(self.s), end + 12))
            or any(e > start for _, e in hits["free_idiom"].within(max(0, start - 40), end))  # "that's on us": blame
        ):
            return True
        slo, shi = self.t.sentence(start, end)
        # 免费延迟退房, "upgrade you for free": the delay or extension is the gift, not a report of one
        grants = hits["free_grant"].starts_at(end, 2) or hits["free_grant"].ends_at(start, 12)
        return (
            hits["threshold_before"].any(lo, hi)
            or hits["money_fact"].any(lo, hi)
            # lateness, a condition or a past reason ("seeing as the food was cold") beside a remedy the writer
            # pledges explains the promise; it does not make it a fact
            or (hits["past"].any(lo, hi) or hits["time_fact"].any(lo, hi) and not grants)
            and not self.x.pledged(lo, start, end)
            or hits["own_work"].any(slo, shi)
        )


class _OpenTerms:
    """A grant on open-ended terms: a coupon "every week", 每月送一张, a coupon that "never expires" / 永久有效.
    Every rule grants a benefit once, with a set validity, so a grant that repeats or never ends is more than
    any rule backs, whatever its value. The terms attach to the grant in their clause (for a repetition) or
    the nearest grant before them (a validity often follows in its own sentence: "送您一张券。永久有效。");
    with no grant found, a coupon or membership word near them is the grant."""

    GRANTS = ("coupon", "compensation", "free_order", "membership_extension")
    REACH = 80  # characters back from a validity to the grant it qualifies

    def __init__(self, extractor: _Extractor) -> None:
        self.x, self.t, self.s = extractor, extractor.t, extractor.s

    def run(self, amounts: list[Quantity]) -> None:
        windows = self.windows([(q.start, q.end) for q in amounts if q.kind == "count" and q.unit == "coupons"][:200])
        for name, terms in (("recurring", "a grant that repeats"), ("open_validity", "a grant that never expires")):
            spans = sorted({span for lo, hi in windows for span in self.t.hits[name].within(lo, hi)})
            for start, end in spans[:50]:  # a text of ten thousand "每周" costs no more than a long reply
                self.qualify(start, end, name, f"{terms} (“{self.x.original[slice(*self.t.norm.span(start, end))]}”)")
        self.traded()

    def traded(self) -> None:
        """如果您愿意再等等，我们送您一张券; "once you take the review down we'll refund you": every gift in the
        sentence of a trade is on terms no rule has."""
        for start, end in self.t.hits["traded"].spans[:50]:
            if self.x.not_ours(start, end):
                continue
            said = self.x.original[slice(*self.t.norm.span(start, end))]
            for c in self.x.found_in(*self.t.sentence(start, end)):
                if c.type in _GIFTS:
                    self.x.open_terms[(c.start, c.end)] = f"a grant traded for something the customer does (“{said}”)"

    def windows(self, counted: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Where open terms can qualify a grant: around each grant found and each coupon or member word (the
        terms are looked up only there, so a megabyte of text with no grant costs nothing more)."""
        places = [(s, e) for bucket in self.x.found_at.buckets.values() for s, e, index in bucket if self.x.found[index].type in self.GRANTS]
        places += self.t.remedy["coupon"].spans[:200] + counted  # 每周送一张: a count of coupons is a grant's place too
        windows = []
        for start, end in places[:400]:
            slo, shi = self.t.sentence(start, end)
            windows.append((max(0, slo - self.REACH), min(len(self.s), shi + self.REACH)))
        return windows

    def qualify(self, start: int, end: int, name: str, terms: str) -> None:
        lo, hi = self.t.clause(start, end)
        if self.x.not_ours(start, end) or self.t.hits["past"].any(lo, hi) or self.t.hits["money_fact"].any(lo, hi) and name == "recurring":
            return
        if name == "recurring":
            window = (lo, hi)
        else:
            slo, shi = self.t.sentence(start, end)
            window = (max(0, slo - self.REACH) if slo > 0 else slo, shi)
        grants = [c for c in self.x.found_in(*window) if c.type in self.GRANTS]
        if name == "open_validity" and grants:
            grants = [max(grants, key=lambda c: c.start)]
        if not grants:
            grant = self.bare_grant(start, end, lo, hi, name)
            grants = [grant] if grant is not None else []
        for c in grants:
            self.x.open_terms[(c.start, c.end)] = terms

    def bare_grant(self, start: int, end: int, lo: int, hi: int, name: str) -> Commitment | None:
        """每周送一张, "your coupons never expire": the grant the terms qualify, named by a coupon or member word
        or (for a repetition) counted by a verb of giving (一张 counts coupons)."""
        near_lo = max(0, start - self.REACH // 2)
        if self.t.remedy["coupon"].any(near_lo, hi) or name == "recurring" and self.counted_gift(lo, hi):
            return self.x.add("coupon", start, end)
        if self.t.hits["benefit_member"].any(near_lo, hi):
            return self.x.add("membership_extension", start, end)
        return None

    def counted_gift(self, lo: int, hi: int) -> bool:
        gives = self.t.hits["giving"].any(lo, hi) or self.t.hits["granting"].any(lo, hi)
        return gives and any(q.kind == "count" and q.unit == "coupons" for q in _quantities_between(self.x, lo, hi))


# between a duration and the arrival it bounds: 三天(左右)(就)到账
_ARRIVAL_GAP = re.compile(r"\s?(?:左右)?(?:就|能|会|可以){0,2}")
_TIME_AS_ADJECTIVE = re.compile(r"[^-\s]+-[a-z]+|\S+\s(?:minute|hour|day|week|month|year|second)")
_AFTER_TIME = re.compile(r"\s?(?:左右)?(?:之后|以后|后|later|after)")
# right after an amount: it is a rate or a price (0.99元/条, 6元/月, 3元包, 780元每年)
_RATE_AFTER = re.compile(r"\s?(?:/|每(?![人位名户])|包|一[年月天次条])")
_PLAIN_FREE = frozenset(("免费", "free"))
# "500 points, worth 5 yuan", 1.5万积分补偿，价值150元, "500 coins (about 50 yuan)": the money named after reward units
_WORTH = re.compile(
    r"[^。.!?！？;；]{0,14}?(?:worth|valued at|equal to|价值|可抵|相当于|折合|约合|抵)|[\s,，(（]{0,3}(?:about|roughly|approximately|around|约|大约)\s?[\d¥$]"
)
# the value of points said after them is a coupon's value (积分 and points are spent like a coupon)
_POINTS_WORTH_BEFORE = re.compile(r"(?:积分|points?)[^。.!?！？;；]{0,14}?(?:worth|valued at|价值|相当于|折合|约合)\s?(?:of\s)?$")
# a clause that continues a list of gifts: "…, plus 2,000 miles", "and 1,000 credits", "，另外500积分", 外加
# or names the sum of the one before ("利息全部减免，金额约45.6元", "年费给您免了，共计680元")
_LIST_CONTINUES = re.compile(
    r"\s?(?:plus|and|also|as well as|along with|on top of that|另外|外加|再加|加上|以及|并且?|还有|再送|再|共计|合计|总计|金额|约|大约|也就是|即|价值|that's|that is|totall?ing|worth)"
)
# right after an amount: the money is cash ("50 yuan cash", 50元现金), not a coupon (现金券 is one)
_CASH_AFTER = re.compile(r"\s?(?:(?:in\s)?cash(?![a-z-])(?!\s(?:coupon|voucher|credit))|现金(?![券卷红]))")
# a clause that names the sum of the gift before it (共计680元, "that's 86 yuan"), not a gift added on
_NAMES_SUM = re.compile(r"\s?(?:共计|合计|总计|金额|约|大约|也就是|即|价值|that's|that is|totall?ing|worth)")
# a count of free things: 3次免费乘车, 两杯免费饮品券, 私教课送您两节, "two free nights", "3 free rides"
_FREE_COUNT = re.compile(
    r"([\d一两二三四五六七八九十]{1,3})\s?(?:杯|次|节|份|张|晚|个|件|条|顿|堂|单|天)|(?<![a-z])(\d{1,3}|two|three|four|five|six|seven|eight|nine|ten)(?= (?:free|complimentary|more free)(?![a-z]))"
)
_REPLACEMENT_NOUN = re.compile(r"的|\s?(?:meal|order|dish|item)s?\s(?:is|was|will|has|should)")
# "feel free", "toll-free", "free up", 免费热线: free as an idiom, not a gift
_FREE_IDIOM = re.compile(
    r"feel free|toll[ -]free|free up(?![a-z])|free to (?:contact|reach|call|ask|dm|message|let)|hands[ -]free|free (?:wifi|shipping on orders)|免费(?:热线|电话|咨询|拨打|下载|注册|查询)|sugar[ -]free|gluten[ -]free|free of (?:any )?(?:bugs|errors)"
)


def _money_word_pattern() -> re.Pattern[str]:
    words = lexicon().data["money_words"]
    return re.compile(r"(?<![a-z])(?:" + "|".join(sorted(map(re.escape, words), key=len, reverse=True)) + r")(?![a-z])")


_MONEY_WORD = _money_word_pattern()


# between a coupon noun and its count after it: 30元的券三张, 30元券给您发两张, 券再送您两张
_COUPON_COUNT_GAP = re.compile(r"\s?(?:(?:再|也|都)?(?:给|送|发|补)?(?:您|你)?(?:发|送|补|来)?)?\s?")


def _coupon_right_before(extractor: _Extractor, start: int, end: int) -> bool:
    """A coupon noun right before a count: 30元的券三张, 满50减10的券3张."""
    return any(e <= end and _COUPON_COUNT_GAP.fullmatch(extractor.s, e, end) for _, e in extractor.t.remedy["coupon"].within(start, end))


@lru_cache(maxsize=1)
def _member_period_words() -> dict[int, re.Pattern[str]]:
    return {int(months): compile_words(words) for months, words in lexicon().data["member_period"].items()}


def _quantities_between(extractor: _Extractor, lo: int, hi: int) -> list[Quantity]:
    """Quantities inside [lo, hi) — a bounded window, re-scanned (cheap and linear in its length)."""
    window = extractor.s[lo:hi]
    offset = lo
    lex = lexicon()
    result = []
    for number in scan_numbers(window):
        q = with_unit(Number(number.value, number.start + offset, number.end + offset, number.script), extractor.s, lex)
        result.append(q)
    return result


def extract(text: str, *, now: datetime | None = None) -> list[Commitment]:
    """Every promise in the text, in order, with offsets into the text as given (not yet checked).
    `now` resolves deadlines (today, by Friday, 12月5日前) into days; default: the current UTC time."""
    return _Extractor(text, now or datetime.now(UTC).replace(tzinfo=None)).run()


# ── the report ──────────────────────────────────────────────────────────────────────────────────────


@dataclass
class CommitmentReport:
    commitments: list[Commitment] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.backed for c in self.commitments)

    @property
    def unbacked(self) -> list[Commitment]:
        return [c for c in self.commitments if not c.backed]

    def reasons(self) -> list[str]:
        return [f"“{c.phrase}”: {c.reason}" for c in self.unbacked]

    def to_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "commitments": [c.model_dump(mode="json") for c in self.commitments]}


def check(
    text: str, entitled: Iterable[Remedy], *, order_amount: Decimal | None = None, now: datetime | None = None, recorded: Iterable[str] = ()
) -> CommitmentReport:
    """Extract the promises in `text` and judge each against the remedies the customer is entitled to
    (the policy book's remedies for the ticket plus the incident's decisions). `recorded`: the incident
    record's own texts (Incident.recorded_texts); a promise inside a word-for-word quote of one is the
    record's, backed by it."""
    remedies = list(entitled)
    extractor = _Extractor(text, now or datetime.now(UTC).replace(tzinfo=None))
    extractor.order_amount = order_amount
    judged = []
    found = extractor.run()
    doubted = doubts(extractor, _minutes)
    spends = unread_minimum_spends(extractor)
    for c in found:
        if (c.start, c.end) in spends:  # judged with the threshold its sentence names, which the reading left out
            c = c.model_copy(update={"min_spend": spends[(c.start, c.end)]})
        c = judge(_scoped(c, order_amount), remedies, order_amount)
        if c.backed and (c.start, c.end) in doubted:
            # read with a measure the judge matches loosely: held for a person (default-deny), not backed
            c = c.model_copy(update={"status": "unbacked", "backing": None, "reason": doubted[(c.start, c.end)]})
        if (c.start, c.end) in extractor.netted:
            c = c.model_copy(
                update={
                    "status": "unbacked",
                    "backing": None,
                    "reason": (
                        f"an amount ({plain(c.amount) if c.amount is not None else '?'} {c.currency or 'in no named currency'}) the guard cannot tie to any "
                        "entitlement: promise only what a rule backs"
                    ),
                }
            )
        terms = extractor.open_terms.get((c.start, c.end))
        if terms is not None and c.backed:
            c = c.model_copy(
                update={
                    "status": "exceeds",
                    "reason": (
                        f"{terms}: rule {c.backing} grants it once, on its own terms (a set value and validity): promise it as the rule states it"
                    ),
                }
            )
        judged.append(c)
    judged = _refunds_add_up(_one_coupon_each(judged, remedies, text), order_amount, text)
    return CommitmentReport(_as_decided(judged, remedies, text, list(recorded)))


def _quoted_spans(sources: list[tuple[str, str]], text: str) -> list[tuple[int, int, str]]:
    """Where the text says a source word for word: (start, end, what backs it) for each (wording, backing).
    Each sentence of a source counts on its own, so a draft may quote one part of it (the refund, not the
    coupon reissue), and the source stripped of its final stop counts too."""
    spans: list[tuple[int, int, str]] = []
    for wording, backing in sources:
        wording = wording.strip()
        parts = {wording, *(p.strip() for p in _DECIDED_PARTS.split(wording))}
        parts |= {part.rstrip("。.！!？?；; ") for part in parts}  # the source or a part said with an ending of its own
        parts |= {part[:1].upper() + part[1:] for part in parts}  # said as a sentence, its first letter is capital
        parts |= {part[:1].lower() + part[1:] for part in parts}  # joined into one ("And every unit…"), it is small
        for part in parts:
            if len(part) < _DECIDED_MIN_CHARS:
                continue
            at = text.find(part)
            while at >= 0:
                spans.append((at, at + len(part), backing))
                at = text.find(part, at + 1)
    return spans


def _backing_sources(remedies: Iterable[Remedy], recorded: Iterable[str]) -> list[tuple[str, str]]:
    sources = [(wording, r.rule_id) for r in remedies if r.type == "custom" and r.text is not None for wording in r.text.texts()]
    return sources + [(wording, RECORD_BACKING) for wording in recorded]


def backed_quotes(text: str, remedies: Iterable[Remedy], recorded: Iterable[str] = ()) -> list[tuple[int, int]]:
    """The spans of `text` that quote a custom decision or the incident record word for word (for the tone
    guard: an emphatic promise there — "双倍返还" — is what was decided, not an over-promise)."""
    return [(start, end) for start, end, _ in _quoted_spans(_backing_sources(remedies, recorded), text)]


def _as_decided(judged: list[Commitment], remedies: list[Remedy], text: str, recorded: list[str]) -> list[Commitment]:
    """A promise inside a custom decision's own words is what the incident decided: backed by that decision;
    one inside a quote of the incident record is the record's. Only verbatim: a sum changed by an editor or
    paraphrased by a model is judged as any other promise."""
    spans = _quoted_spans(_backing_sources(remedies, recorded), text)
    if not spans:
        return judged
    out = []
    for c in judged:
        rule = next((rule for start, end, rule in spans if start <= c.start and c.end <= end), None)
        if rule is None and c.type == "unrecognised" and c.amount is None:
            rule = _introduced(c, spans, text, judged)
        if rule is not None and not c.backed:
            c = c.model_copy(update={"status": "backed", "backing": rule, "reason": ""})
        out.append(c)
    return out


# between an intro cue and the quote it introduces: a few words (who it is for), no figure ("In addition, we
# have decided: Orders we cancelled: …")
_INTRO_MAX_CHARS = 100
_FIGURE = re.compile(r"\d")
# what an intro to a decision says: "we have also decided", 我们还决定
_DECIDED_WORD = re.compile(r"决定|(?<![a-z])(?:decided|decision)(?![a-z])", re.IGNORECASE)
# an intro's colon, then its list on the next line
_LIST_AFTER_INTRO = re.compile(r"[:：]\s*\n+\s*(?:[-•*]\s*)?")


def _introduced(c: Commitment, spans: list[tuple[int, int, str]], text: str, judged: list[Commitment]) -> str | None:
    """The backing of the quote an unread cue introduces: "In addition, we have decided: <the decision word for
    word>" or 另外，我们还决定：… — the extra the cue announces is the quoted decision itself, when the quote
    follows in the same sentence with a few words between: no figure and no other promise ("In addition, a free
    year of membership: <decision>" still holds the free year)."""
    following = [(start, rule) for start, _, rule in spans if start >= c.end]
    if not following:
        return None
    start, rule = min(following)
    between = _LIST_AFTER_INTRO.sub(": ", text[c.end : start])  # "we have also decided:\n- <decision>"
    # only an "extra" that announces a decision: "Free gift cards for all — <decision>" is a gift of its own
    if not c.reason.startswith(EXTRA_GIFT) or not _DECIDED_WORD.search(between):
        return None
    if len(between) > _INTRO_MAX_CHARS or _FIGURE.search(between) or _PASSAGE_END.search(between):
        return None
    if any(c.end <= other.start < start for other in judged):
        return None
    return rule


def _starting_in(quantities: list[Quantity], lo: int, hi: int) -> list[Quantity]:
    """The quantities (in text order) starting in [lo, hi), by bisection: a look near one amount costs the same
    however many the text holds."""
    return quantities[bisect_left(quantities, lo, key=lambda q: q.start) : bisect_left(quantities, hi, key=lambda q: q.start)]


def _sentence_ends(text: str) -> list[int]:
    return [m.start() for m in _PASSAGE_END.finditer(text)]


def _refunds_add_up(judged: list[Commitment], order_amount: Decimal | None, text: str) -> list[Commitment]:
    """Refunds of named sums in one sentence add up ("refund the 86 yuan plus the 6 yuan delivery fee"): each within
    the order, together more than it — the refund that takes the total past the order's amount exceeds."""
    if order_amount is None:
        return judged
    total: dict[int, Decimal] = {}
    ends = _sentence_ends(text)
    result = []
    for c in judged:
        named = c.type == "refund" and c.amount is not None and c.currency == BOOK_CURRENCY and c.unit not in ("percent", "multiple")
        if not named or not c.backed or _NAMED_AGAIN.search(text, max(0, c.start - 6), c.start):
            result.append(c)
            continue
        sentence = bisect_right(ends, c.start)
        total[sentence] = total.get(sentence, Decimal(0)) + (c.amount or Decimal(0))
        if total[sentence] > order_amount:
            c = c.model_copy(
                update={
                    "status": "exceeds",
                    "backing": None,
                    "reason": f"refunds of {plain(total[sentence])} CNY together: more than the order's {plain(order_amount)} CNY (rule {c.backing} refunds the order once)",
                }
            )
        result.append(c)
    return result


def _one_coupon_each(judged: list[Commitment], remedies: list[Remedy], text: str) -> list[Commitment]:
    """Each coupon rule grants one coupon. Several coupons offered in one sentence ("一张20元，一张10元", "a 20 yuan
    and a 10 yuan coupon") are each under the rule's value, yet together more coupons than the rules grant: those
    beyond the rules' number exceed, whatever their value. A coupon named again (这张30元券, "that coupon") is the
    one said before, not another."""
    grants = len({r.choice or r.rule_id for r in remedies if r.type == "coupon"})
    ends = _sentence_ends(text)
    given: dict[int, int] = {}
    result = []
    for c in judged:
        if c.type != "coupon" or c.amount is None or not c.backed or _NAMED_AGAIN.search(text, max(0, c.start - 6), c.start):
            result.append(c)
            continue
        sentence = bisect_right(ends, c.start)
        given[sentence] = given.get(sentence, 0) + (c.count or 1)
        if given[sentence] > grants:
            c = c.model_copy(
                update={
                    "status": "exceeds",
                    "backing": None,
                    "reason": f"{given[sentence]} coupons offered together: the rules grant {grants} (promise the rule's coupon, once)",
                }
            )
        result.append(c)
    return result


def _scoped(c: Commitment, order_amount: Decimal | None) -> Commitment:
    """A refund of a named sum takes its scope from the order: the whole order's amount is a full refund
    (退您86元 on an 86-yuan order), less is a partial one (退您30元, "the full ¥6 delivery fee")."""
    if c.type != "refund" or c.amount is None or c.unit in ("percent", "multiple") or c.currency != BOOK_CURRENCY or order_amount is None:
        return c
    if c.amount < order_amount:  # 多收的费用全额退还，约18.6元: all of a fee is still part of the order
        return c.model_copy(update={"scope": "partial"})
    if c.amount == order_amount and c.scope in (None, "full"):
        # the whole order's amount refunds the order (这单86元全额退款): a rule that refunds only an item does not back it
        return c.model_copy(update={"scope": "full", "applies_to": c.applies_to or "order"})
    return c


def statement_entitlements(book: PolicyBook, decisions: Iterable[Remedy] = ()) -> list[Remedy]:
    """What a public statement may promise: any remedy some rule of the book grants, plus the incident's
    decisions (a statement speaks to everyone, so it is checked against the book as a whole)."""
    remedies = [remedy.model_copy(update={"rule_id": rule.id}) for rule in book.rules for remedy in rule.remedies]
    return remedies + list(decisions)


__all__ = ["CommitmentReport", "MONEY_TYPES", "RECORD_BACKING", "backed_quotes", "check", "extract", "parse_number", "statement_entitlements"]
