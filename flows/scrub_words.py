"""The words, in every shipped language, that announce an identifier in free text.

Data for `flows.scrub`: phrases that introduce a name, words that announce a date of birth, a
document or file number, and street words. Written as people type them; the scrubber folds them
like the text it searches (Arabic letter variants, case).
"""

from __future__ import annotations

# fmt: off

# "my name is": the words after these are a name, capitalised or not.
NAME_PHRASES: tuple[str, ...] = (
    # de
    "ich heiße", "ich heisse", "ich heise", "mein name ist", "mein name lautet",
    "mein vorname ist", "mein nachname ist", "mein familienname ist", "mein name:",
    # en
    "my name is", "my name's", "my full name is", "my first name is", "my last name is",
    "my surname is", "i am called", "i'm called", "im called",
    # tr, az
    "benim adım", "benim adim", "adım", "adim", "benim ismim", "ismim", "soyadım", "soyadim",
    "mənim adım", "menim adim", "soyadım", "mənim soyadım",
    # ar
    "اسمي", "إسمي", "انا اسمي", "اسمى", "يدعونني",
    # fa, fa_AF
    "اسم من", "نام من", "اسمم", "نامم", "نام خانوادگی من", "فامیلی من", "تخلص من",
    # ps
    "زما نوم", "نوم مې", "نوم می",
    # ur
    "میرا نام", "مرا نام", "میرا پورا نام",
    # ku (Kurmanji)
    "navê min", "nave min", "navê min e", "paşnavê min", "pasnave min",
    # ckb (Sorani)
    "ناوم", "ناوی من", "ناوی خۆم", "ناوی تەواوم",
    # ka
    "მე მქვია", "მქვია", "ჩემი სახელია", "ჩემი სახელი", "ჩემი გვარია", "ჩემი გვარი",
    # ru
    "меня зовут", "зовут меня", "моё имя", "мое имя", "моя фамилия", "моё имя -",
    # uk
    "мене звати", "мене звуть", "звати мене", "моє ім'я", "моє ім’я", "моє імʼя", "моє прізвище",
    # fr
    "je m'appelle", "je m’appelle", "je mappelle", "mon nom est", "mon nom c'est",
    "mon prénom est", "mon nom de famille est", "moi c'est",
    # sq
    "unë quhem", "une quhem", "quhem", "emri im është", "emri im eshte", "emri im",
    "mbiemri im është", "mbiemri im",
    # sr_Latn, bs
    "zovem se", "moje ime je", "ime mi je", "prezime mi je", "moje prezime je",
)

# Labels followed by a colon: "Name: Ahmad Karimi".
NAME_LABELS: tuple[str, ...] = (
    "name", "vorname", "nachname", "familienname", "full name", "first name", "last name",
    "surname", "nom", "prénom", "ad", "isim", "soyad", "soyadı", "имя", "фамилия", "ім'я",
    "прізвище", "اسم", "نام", "نوم", "ناو", "emri", "mbiemri", "ime", "prezime", "nav", "სახელი",
    "გვარი",
)

# "I am ...": a name only when it is written with a capital letter (German: two of them, since
# German nouns are capitalised: "Ich bin Student" stays, "Ich bin Ahmad Karimi" goes).
WEAK_NAME_PHRASES: tuple[str, ...] = (
    "i am", "i'm", "this is", "call me", "they call me", "je suis", "ja sam", "ben", "heißt",
    "heisst", "ich bin der", "ich bin die", "named", "called", "s'appelle", "зовут",
)
WEAK_TWO_WORD_PHRASES: tuple[str, ...] = ("ich bin", "hier ist", "hier spricht")

# Forms of address before a name: "Herr Karimi", "Familie Karimi", "Mrs Karimi".
TITLES: tuple[str, ...] = (
    "herr", "herrn", "frau", "hr.", "fr.", "familie", "family", "mr", "mr.", "mrs", "mrs.", "ms",
    "ms.", "miss", "monsieur", "madame", "mme", "mme.", "m.", "bay", "bayan", "г-н", "господин",
    "госпожа", "пан", "пані", "zoti", "zonja", "gospodin", "gospođa",
)

# Name particles that may stand between capitalised parts of a name.
NAME_PARTICLES: frozenset[str] = frozenset(
    {
    "von", "van", "de", "del", "da", "di", "al", "el", "bin", "ibn", "abu", "ben", "zu", "ul",
    "ould", "oglu", "oğlu", "al-", "el-",
    }
)

# Words after which a name ends even in scripts without capitals.
NAME_STOPS: frozenset[str] = frozenset(
    {
    "und", "and", "et", "ve", "və", "i", "и", "і", "dhe", "û", "u", "و", "و،", "است", "هستم", "ہے",
    "ہوں", "یم", "دی", "ده", "e", "ye", "me", "im", "bin", "aus", "from", "de", "из", "з", "ist",
    "is", "est", "je", "dır", "dir", "dur", "dür", "من", "hier", "here", "ich", "wir", "we",
    "habe", "have", "am", "sind", "bitte", "please", "mit", "with", "لدي", "عندي", "دارم", "لطفا",
    "და", "ვარ", "вам", "вас", "у", "меня", "в", "jam", "kam",
    }
)

# Words that announce a date of birth; the date or year after them goes.
BIRTH_WORDS: tuple[str, ...] = (
    "geboren am", "geboren", "geb.", "geb", "geburtsdatum", "geburtstag", "born on", "born",
    "birthday", "date of birth", "birth date", "d.o.b.", "dob", "né le", "née le", "né", "née",
    "date de naissance", "doğum tarihi", "doğum tarihim", "doğdum", "doğum", "doğulmuşam",
    "родился", "родилась", "дата рождения", "народився", "народилася", "дата народження",
    "تاريخ الميلاد", "تاریخ المیلاد", "مواليد", "موالید", "ولدت", "تولد", "تاریخ تولد", "متولد",
    "زیږیدلی", "د زیږون نیټه", "پیدائش", "تاریخ پیدائش", "datëlindja", "datelindja", "lindur",
    "u linda", "rođen", "rođena", "roden", "rodena", "datum rođenja", "dabadebis", "დავიბადე",
    "დაბადების თარიღი", "jidayikbûn", "ji dayik bûm", "لەدایکبوون",
)

# Words that announce a document, file or case number; the number after them goes.
NUMBER_WORDS: tuple[str, ...] = (
    "az.", "az", "aktenzeichen", "geschäftszeichen", "geschaeftszeichen", "gesch.-z.", "gz.", "gz",
    "file no.", "file no", "file number", "case no.", "case no", "case number", "reference",
    "ref.", "ref", "dossier", "n°", "no.", "nr.", "nr", "nummer", "numéro", "номер", "№", "pass",
    "reisepass", "passnummer", "passport", "passport no.", "passport number", "ausweis",
    "ausweisnummer", "personalausweis", "id", "id-nr.", "id card", "id number", "aufenthaltstitel",
    "aufenthaltserlaubnis", "duldungsnummer", "ankunftsnachweis", "bg-nummer", "bg-nr.",
    "kundennummer", "steuer-id", "steuernummer", "versicherungsnummer", "паспорт", "pasaport",
    "kimlik", "kimlik no", "جواز", "جواز السفر", "رقم", "پاسپورت", "شماره", "گذرنامه", "تذکره",
    "passeport", "pasaporta", "pasoš", "pasos", "пашпорт", "პასპორტი", "nasnameh", "پاسپورټ",
    "شمیره", "nimre", "ژمارە",
)

# German street words, written as the end of a compound ("Schillerstraße 12a").
STREET_ENDINGS: tuple[str, ...] = (
    "straße", "strasse", "str.", "str", "weg", "gasse", "platz", "allee", "ring", "damm", "ufer",
    "steig", "pfad", "chaussee", "zeile",
)

# Street words in other languages, standing before or after the street's name.
STREET_WORDS: tuple[str, ...] = (
    "street", "st.", "road", "rd.", "avenue", "ave.", "lane", "drive", "boulevard", "blvd.", "rue",
    "avenue", "bd", "chemin", "allée", "impasse", "quai", "sokak", "sokağı", "sok.", "cadde",
    "caddesi", "cad.", "mahallesi", "mah.", "küçəsi", "prospekti", "ул.", "улица", "вул.",
    "вулиця", "пр.", "проспект", "пер.", "переулок", "провулок", "شارع", "خیابان", "کوچه", "زقاق",
    "جاده", "سړک", "کوڅه", "گلی", "سڕک", "شەقام", "کۆلان", "rruga", "rr.", "ulica", "ul.", "kolan",
    "ქუჩა", "გამზირი",
)
# fmt: on
