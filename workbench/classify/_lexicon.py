"""Word lists and phrase rules the classifier adds to VADER, in one place.

General knowledge of how customers write to brands, not anything learnt from an evaluation set.
Valences are on VADER's scale (about -4..+4).
"""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words VADER lacks or misjudges in customer care.
LEXICON: dict[str, float] = {
    "outage": -1.8,
    "outages": -1.8,
    "crashing": -1.7,
    "crashes": -1.7,
    "crashed": -1.7,
    "glitch": -1.3,
    "glitches": -1.3,
    "glitching": -1.3,
    "glitchy": -1.3,
    "buggy": -1.4,
    "laggy": -1.1,
    "unresponsive": -1.5,
    "unusable": -2.0,
    "unreliable": -1.6,
    "overcharged": -2.0,
    "scammed": -2.5,
    "ripoff": -2.5,
    "rip-off": -2.5,
    "unhelpful": -1.8,
    "canceled": -1.0,
    "nightmare": -2.4,
    "hassle": -1.5,
    "shambles": -2.0,
    "appalling": -2.6,
    "shocking": -1.5,
    "disgraceful": -2.6,
    "unreachable": -1.3,
    # laughter marks a light tone more than a positive opinion
    "lol": 1.0,
    "lmao": 1.0,
    "lmfao": 1.0,
    "haha": 1.0,
    "hahaha": 1.0,
    "hehe": 1.0,
    "rofl": 1.0,
}

# Politeness and request words carry no opinion of their own ("please help", "customer care").
NEUTRAL = frozenset({"please", "pls", "plz", "help", "support", "care"})
# Said in a complaint, thanks is politeness (or sarcasm), not praise.
POLITE = frozenset(
    {"thanks", "thank", "thx", "ty", "appreciate", "appreciated", "kindly", "welcome", "sure"}
)

# "like" as a verb (I like, would like) carries an opinion; as a preposition it does not.
LIKE_SUBJECTS = _words(
    """i we they you u really totally definitely i'd would do does did dont don't didn't doesn't
    didnt doesnt ya yall y'all people who also just still actually kinda to gotta might will wo
    and much so"""
)

# Emoji whose VADER description misses the point in customer messages, with their own valence.
EMOJI: dict[str, float] = {
    "\U0001f621": -2.5,  # pouting face
    "\U0001f92c": -3.0,  # symbols on mouth
    "\U0001f624": -1.8,  # steam from nose
    "\U0001f44e": -2.0,  # thumbs down
    "\U0001f644": -1.5,  # rolling eyes
    "\U0001f612": -1.5,  # unamused
    "\U0001f611": -0.8,  # expressionless
    "\U0001f926": -1.5,  # facepalm
    "\U0001f494": -2.0,  # broken heart
    "\U0001f44d": 1.5,  # thumbs up
    "\U0001f44f": 1.5,  # clapping
    "\U0001f4af": 1.2,  # hundred points
    "\U0001f64c": 1.8,  # raising hands
    "\U0001f4aa": 1.2,  # flexed biceps
    "\U0001f609": 1.0,  # winking
    "\U0001f525": 1.5,  # fire: "lit"
    "\u2764": 2.5,  # red heart
    "\U0001f64f": 0.5,  # folded hands: thanks or please
}

# Phrases of a customer with a problem; (label, pattern, valence). VADER scores most as neutral.
_CARE_PHRASES: list[tuple[str, str, float]] = [
    (
        "still waiting",
        r"\bstill (?:waiting|no\b|not\b|nothing|have ?n'?t|has ?n'?t|haven'?t|hasn'?t|don'?t|"
        r"doesn'?t|can'?t|cannot|won'?t|didn'?t|isn'?t|broken|down|unable|haven't)",
        -1.5,
    ),
    (
        "not working",
        r"\b(?:not|isn'?t|isnt|aren'?t|stopped|doesn'?t|don'?t|won'?t|wont|didn'?t|never|no longer|"
        r"can'?t|cannot|unable to)\s+(?:be\s+)?(?:work(?:ing|s)?|load(?:ing|s)?|connect(?:ing|s)?|"
        r"respond(?:ing|s)?|open(?:ing|s)?|turn(?:ing)? on|charg(?:e|es|ing)|sync(?:ing|s)?|"
        r"updat(?:e|es|ing)|install(?:ing|s)?|download(?:ing|s)?|play(?:ing)?|stream(?:ing)?|"
        r"log (?:me )?in|logging in|sign (?:me )?in|let me|allow(?:ing)? me)\b",
        -1.8,
    ),
    (
        "keeps failing",
        r"\bkeeps? (?:on )?(?:crashing|freezing|failing|dropping|disconnecting|logging me out|"
        r"buffering|glitching|lagging|declining|rejecting|cancell?ing|charging me)",
        -1.8,
    ),
    (
        "not received",
        r"\b(?:never|have ?n'?t|has ?n'?t|haven'?t|hasn'?t|didn'?t|did not|have not|has not|"
        r"not yet|yet to)\s+(?:been\s+)?(?:receive[ds]?|arrived?|got|gotten|get|come|came|"
        r"shown up|showed up|delivered|heard back|refunded|responded|replied|credited|processed)\b",
        -1.6,
    ),
    (
        "long wait",
        r"\b(?:on hold|waited|waiting|wait(?:ing)? time|been waiting|queue)\b[^.!?]{0,40}?"
        r"\b(?:\d+|an?|over an?|two|three|several|few)\s*\+?\s*(?:min(?:ute)?s?|hours?|hrs?|days?|"
        r"weeks?|months?)\b",
        -1.5,
    ),
    (
        "no reply",
        r"\bno (?:one|body) (?:has |have )?(?:replied|responded|answered|helped|called)",
        -1.5,
    ),
    ("charged twice", r"\b(?:charged (?:me )?(?:twice|again|double)|double[- ]charged)", -2.0),
    ("thanks for nothing", r"\bthanks? (?:you )?for nothing\b", -2.5),
    ("a joke", r"\b(?:is|was|are|such|what|absolute|complete|total) an? (?:joke|disgrace)\b", -3.0),
    (
        "never again",
        r"\bnever (?:again|ever again|using|fly(?:ing)?|shop(?:ping)?|buy(?:ing)?)\b",
        -2.0,
    ),
    (
        "cannot access",
        r"\b(?:unable to|can'?t|cannot|could ?n'?t|couldnt) (?:log ?in|login|sign ?in|access|"
        r"connect|get through|reach|contact|use|find|get into|reset|make a|place|complete)\b",
        -1.2,
    ),
    ("where is my", r"\bwhere(?:'s| is| are) (?:my|our)\b", -0.8),
    ("fix it", r"\b(?:fix|sort) (?:this|it|that|your|my|the)\b", -0.8),
    ("waste of", r"\b(?:waste of|wasted my) (?:time|money)\b", -2.0),
]
CARE_PHRASES: list[tuple[str, re.Pattern[str], float]] = [
    (label, re.compile(pattern), valence) for label, pattern, valence in _CARE_PHRASES
]
CARE_PATTERN = re.compile("|".join(f"(?P<c{i}>{p})" for i, (_, p, _) in enumerate(_CARE_PHRASES)))

# "can't wait" is eagerness, unless it is a customer who cannot wait any longer.
CANT_WAIT = re.compile(
    r"\b(?:can'?t|cannot|can not)\s+wait\b(?!\s+(?:any\s*longer|any ?more|forever|all day|"
    r"much longer|on hold|for (?:a|an|my|the|your)\b))"
)

# "no" before a noun ("no idea") is a determiner; before what a customer lacks it is a complaint.
LACKING = _words(
    """response reply replies answer answers signal service internet wifi wi-fi refund help update
    updates sound power connection email call callback contact delivery tracking confirmation
    access data notice explanation apology progress money heat water information info"""
)

# Actionability: what needs an agent.
PROBLEM_WORDS = _words(
    """problem problems issue issues error errors bug bugs glitch glitches outage outages crash
    crashed crashes crashing broken broke refund refunds refunded cancel cancelled canceled
    cancellation delay delayed delays late missing lost damaged faulty defective hacked locked
    suspended blocked banned charged overcharged billed bill billing scam fraud fraudulent complaint
    complain complained disappointed disappointing terrible worst awful horrible useless rude
    unacceptable ridiculous pathetic waiting wait hold stuck frozen freezing fails failed failing
    declined wrong incorrect unable disconnected slow laggy unresponsive unusable stolen leaking
    leak replacement return exchange compensation overdue expired invalid denied rejected
    disgusting appalling shocking nightmare hassle shambles"""
)
SERVICE_OBJECTS = _words(
    """order orders package parcel delivery account booking reservation flight bag bags luggage
    ticket tickets refund subscription card payment bill plan phone device app item items purchase
    claim case router internet service connection email password money points voucher return
    exchange tracking shipment seat train bus car laptop tv console game membership
    policy insurance loan"""
)
REQUEST_PATTERN = re.compile(
    r"\b(?:please|pls|plz|plse|kindly|can (?:you|u|someone|i|we)|could (?:you|u|someone|i|we)|"
    r"would (?:you|u)|will (?:you|u)|how (?:do|can|does|should|to|long)|where (?:can|do|is|are)|"
    r"is there (?:a|any)|are there any|i need|we need|need (?:help|assistance|support)|i want to|"
    r"i'd like to|i would like to|let me know|dm me|dm'd|direct message|sent (?:you )?an? "
    r"(?:dm|email|message)|check (?:your|ur) (?:dm|inbox)|contact me|call me|email me|get back "
    r"to me|any (?:update|news|idea|info)|what(?:'s| is) going on|when (?:will|is|can|do|does)|"
    r"why (?:is|does|do|did|are|can'?t|isn'?t|won'?t|doesn'?t|don'?t|would|has|have)|"
    r"help me|help us|assist|reach (?:you|out)|speak to|talk to|resolve|escalate)\b"
)
QUESTION_START = re.compile(
    r"^(?:how|why|what|when|where|who|which|can|could|would|will|is|are|do|does|did|any|should|"
    r"have|has)\b"
)
SPAM_PATTERN = re.compile(
    r"\b(?:giveaway|give away|sweepstakes|enter to win|chance to win|win a|to win|follow (?:me|us|"
    r"back)|followers|retweet|rt to|sign up|signup|check out|click|subscribe|promo|coupon|discount|"
    r"\d+% off|sponsored|#ad|free (?:shipping|trial|samples?)|join (?:us|me|now)|download now|"
    r"buy now|shop now|link in bio|dm for|available now|survey|surveys|earn|work from home)\b"
)
PRAISE_PATTERN = re.compile(
    r"\b(?:thank you|thanks|thx|ty|cheers|kudos|shout ?out|great (?:job|service|work)|well done|"
    r"love (?:you|your|it|this|the)|amazing|awesome|brilliant|excellent|fantastic|best)\b"
)
SECOND_PERSON = frozenset({"you", "your", "you're", "youre", "ur", "u", "yall", "y'all"})
