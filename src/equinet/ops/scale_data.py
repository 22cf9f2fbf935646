"""The vocabulary of the benchmark data set: Swedish towns, names, service catalogues, horses.

Only constants live here; `equinet.ops.scale_seed` draws from them with a seeded generator.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Town:
    name: str
    latitude: float
    longitude: float
    postal_prefix: str  # the first three digits of the town's postal codes
    weight: int  # how many providers and customers it attracts, roughly by population


TOWNS = (
    Town("Stockholm", 59.3293, 18.0686, "114", 30),
    Town("Göteborg", 57.7089, 11.9746, "411", 20),
    Town("Malmö", 55.6050, 13.0038, "211", 14),
    Town("Uppsala", 59.8586, 17.6389, "753", 9),
    Town("Västerås", 59.6099, 16.5448, "722", 6),
    Town("Örebro", 59.2753, 15.2134, "702", 6),
    Town("Linköping", 58.4108, 15.6214, "582", 6),
    Town("Helsingborg", 56.0465, 12.6945, "252", 6),
    Town("Jönköping", 57.7826, 14.1618, "553", 6),
    Town("Norrköping", 58.5877, 16.1924, "602", 5),
    Town("Lund", 55.7047, 13.1910, "222", 5),
    Town("Umeå", 63.8258, 20.2630, "903", 5),
    Town("Gävle", 60.6749, 17.1413, "802", 4),
    Town("Borås", 57.7210, 12.9401, "503", 4),
    Town("Södertälje", 59.1955, 17.6253, "151", 4),
    Town("Eskilstuna", 59.3666, 16.5077, "632", 4),
    Town("Halmstad", 56.6745, 12.8578, "302", 4),
    Town("Växjö", 56.8777, 14.8091, "352", 4),
    Town("Karlstad", 59.4022, 13.5115, "652", 4),
    Town("Sundsvall", 62.3908, 17.3069, "852", 4),
    Town("Östersund", 63.1792, 14.6357, "831", 3),
    Town("Trollhättan", 58.2837, 12.2886, "461", 3),
    Town("Luleå", 65.5848, 22.1547, "972", 3),
    Town("Kalmar", 56.6634, 16.3568, "392", 3),
    Town("Falun", 60.6065, 15.6355, "791", 3),
    Town("Kristianstad", 56.0294, 14.1567, "291", 3),
    Town("Skövde", 58.3903, 13.8461, "541", 3),
    Town("Varberg", 57.1056, 12.2508, "432", 3),
    Town("Visby", 57.6348, 18.2948, "621", 2),
    Town("Alingsås", 57.9303, 12.5331, "441", 2),
    Town("Enköping", 59.6361, 17.0777, "745", 2),
    Town("Nyköping", 58.7530, 17.0086, "611", 2),
    Town("Sala", 59.9199, 16.6066, "733", 2),
    Town("Strängnäs", 59.3774, 17.0312, "645", 2),
    Town("Kungsbacka", 57.4872, 12.0761, "434", 3),
    Town("Ystad", 55.4295, 13.8200, "271", 2),
    Town("Ängelholm", 56.2428, 12.8621, "262", 2),
    Town("Hudiksvall", 61.7290, 17.1036, "824", 2),
    Town("Örnsköldsvik", 63.2909, 18.7153, "891", 2),
    Town("Vimmerby", 57.6659, 15.8554, "598", 1),
    Town("Motala", 58.5371, 15.0365, "591", 2),
    Town("Norrtälje", 59.7580, 18.7049, "761", 2),
    Town("Borlänge", 60.4858, 15.4371, "784", 2),
    Town("Mora", 61.0070, 14.5430, "792", 1),
)

FIRST_NAMES = (
    "Anna", "Eva", "Maria", "Karin", "Sara", "Lena", "Emma", "Kristina", "Johanna", "Sofia",
    "Linnea", "Elin", "Ida", "Hanna", "Julia", "Malin", "Frida", "Moa", "Ebba", "Wilma",
    "Erik", "Lars", "Karl", "Anders", "Johan", "Per", "Nils", "Mikael", "Jonas", "Oskar",
    "Axel", "Gustav", "Henrik", "Fredrik", "Magnus", "Olof", "Viktor", "Emil", "Isak", "Filip",
)  # fmt: skip

LAST_NAMES = (
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
    "Persson", "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson",
    "Bengtsson", "Jönsson", "Lindberg", "Jakobsson", "Magnusson", "Lindström", "Olofsson",
    "Lindqvist", "Lindgren", "Berg", "Axelsson", "Bergström", "Lundberg", "Lind", "Lundgren",
    "Lundqvist", "Mattsson", "Berglund", "Fredriksson", "Sandberg", "Henriksson", "Forsberg",
    "Sjöberg", "Wallin", "Engström", "Eklund", "Danielsson", "Lundin", "Håkansson", "Björk",
)  # fmt: skip

STREETS = (
    "Stallvägen", "Hagvägen", "Ängsvägen", "Gårdsvägen", "Björkvägen", "Skogsvägen",
    "Kyrkvägen", "Byvägen", "Hästhagsvägen", "Ridvägen", "Smedjegatan", "Lindvägen",
    "Mossvägen", "Bäckvägen", "Hovslagarvägen", "Prästgårdsvägen", "Åkervägen", "Tallvägen",
)  # fmt: skip


@dataclass(frozen=True)
class ServiceTemplate:
    name: str
    price: int  # SEK, typical; the seed varies it by up to ±20 %
    minutes: int
    interval_weeks: int | None
    description: str


@dataclass(frozen=True)
class Trade:
    """A kind of provider: how its businesses are named and what they sell."""

    key: str
    weight: int
    business_names: tuple[str, ...]  # {first} {last} {town} are filled in
    descriptions: tuple[str, ...]
    services: tuple[ServiceTemplate, ...]


TRADES = (
    Trade(
        "farrier",
        40,
        ("Hovslagare {last}", "{town} Hovslageri", "{last}s Hovvård", "Hovslagare {first} {last}"),
        (
            "Legitimerad hovslagare med lång erfarenhet av både sport- och fritidshästar.",
            "Skoning, verkning och barfotavård i {town} med omnejd.",
            "Hovslagare som kommer hem till stallet. Akuta tider finns varje vecka.",
        ),
        (
            ServiceTemplate("Skoning", 1800, 90, 7, "Fyra skor, verkning ingår"),
            ServiceTemplate("Verkning", 800, 45, 8, "Verkning av alla fyra hovar"),
            ServiceTemplate("Barfotaverkning", 900, 60, 6, "Verkning för barfotahästar"),
            ServiceTemplate("Framskoning", 1200, 60, 7, "Skor fram, verkning bak"),
            ServiceTemplate("Broddning", 600, 30, None, "Vinterbroddar eller halkskydd"),
            ServiceTemplate("Akutbesök hovslagare", 2500, 60, None, "Tappad sko eller hovböld"),
        ),
    ),
    Trade(
        "vet",
        20,
        ("Veterinär {first} {last}", "{town} Hästveterinär", "{last}s Djurklinik Häst"),
        (
            "Ambulerande hästveterinär. Vaccinationer, hälsokontroller och tandvård.",
            "Veterinär med inriktning på idrottsmedicin för häst i {town}.",
        ),
        (
            ServiceTemplate("Veterinärbesök", 1500, 60, None, "Allmän undersökning"),
            ServiceTemplate("Vaccination", 700, 30, 52, "Influensa och stelkramp"),
            ServiceTemplate("Hälsokontroll", 1200, 45, 52, "Årlig genomgång"),
            ServiceTemplate("Tandkontroll", 1200, 40, 52, "Kontroll och raspning vid behov"),
            ServiceTemplate("Hältutredning", 2800, 90, None, "Böjprov och longering"),
            ServiceTemplate("Akutbesök veterinär", 3500, 60, None, "Kolik, sår och skador"),
        ),
    ),
    Trade(
        "therapist",
        20,
        ("Hästmassage {first}", "{town} Hästterapi", "{last}s Hästfys", "Equiterapeut {first}"),
        (
            "Diplomerad hästmassör och equiterapeut. Behandlingar i hemstallet.",
            "Massage, stretching och laser för sport- och fritidshästar i {town}.",
        ),
        (
            ServiceTemplate("Hästmassage", 900, 45, 6, "Helkroppsmassage"),
            ServiceTemplate("Kiropraktik", 1300, 60, 12, "Led- och ryggbehandling"),
            ServiceTemplate("Laserbehandling", 700, 30, None, "Mjuklaser på skadeområde"),
            ServiceTemplate("Stretching och rörlighet", 600, 30, 4, "Passiv stretching"),
            ServiceTemplate("Sadelkontroll", 800, 45, 26, "Passform och tryckbild"),
        ),
    ),
    Trade(
        "trainer",
        15,
        (
            "{town}s Ridskola",
            "Ridlärare {first} {last}",
            "{last}s Hästcenter",
            "{first}s Ridträning",
        ),
        (
            "Ridlärare för nybörjare och tävlingsryttare, dressyr och hoppning.",
            "Privatlektioner på egen häst i {town} med omnejd.",
        ),
        (
            ServiceTemplate("Ridlektion", 600, 60, 1, "Grupplektion på egen häst"),
            ServiceTemplate("Privatlektion", 900, 45, 2, "En ekipage, en tränare"),
            ServiceTemplate("Dressyrträning", 900, 60, 2, "Tävlingsförberedande dressyr"),
            ServiceTemplate("Hoppträning", 900, 60, 2, "Bomträning och hoppning"),
            ServiceTemplate("Inridning", 4500, 120, None, "Inridning av unghäst, per pass"),
        ),
    ),
    Trade(
        "dentist",
        5,
        ("Hästtandvård {last}", "{town} Hästtandvård", "Tandhälsa Häst {first}"),
        ("Hästtandvårdare med certifiering. Besök i stallet, lugnande vid behov.",),
        (
            ServiceTemplate("Tandkontroll", 1100, 40, 52, "Kontroll av bett och tänder"),
            ServiceTemplate("Tandraspning", 1500, 60, 52, "Raspning med motordriven rasp"),
            ServiceTemplate("Vargtandsextraktion", 1800, 45, None, "Inklusive lokalbedövning"),
        ),
    ),
)

HORSE_NAMES = (
    "Blixten", "Stella", "Måns", "Saga", "Ronja", "Flicka", "Tindra", "Ludde", "Pärlan",
    "Sessan", "Doris", "Zorro", "Majken", "Kanel", "Vilja", "Freja", "Bamse", "Hugo", "Dante",
    "Tjabo", "Molly", "Nova", "Svea", "Smilla", "Elvis", "Cosmo", "Lady", "Prins", "Storm",
    "Ella", "Bella", "Charlie", "Diva", "Figaro", "Gizmo", "Hilma", "Indra", "Juno", "Kaxe",
    "Lilja", "Milou", "Nelson", "Odin", "Piff", "Quinto", "Rufus", "Silja", "Tor", "Urd",
)  # fmt: skip

BREEDS = (
    "Svenskt halvblod", "Svenskt halvblod", "Svenskt halvblod", "Gotlandsruss",
    "Nordsvensk brukshäst", "Islandshäst", "Islandshäst", "Fjordhäst", "Shetlandsponny",
    "Connemara", "Welsh ponny", "Arabiskt fullblod", "Engelskt fullblod", "Varmblodig travare",
    "Kallblodstravare", "Quarterhäst", "Frieserhäst", "Haflinger", "Ardenner", "New Forest",
)  # fmt: skip

COLORS = ("brun", "mörkbrun", "fux", "skimmel", "svart", "black", "isabell", "skäck", "stickelhårig")  # fmt: skip

HORSE_GENDERS = ("mare", "gelding", "stallion")
HORSE_GENDER_WEIGHTS = (45, 45, 10)

SPECIAL_NEEDS = (
    "Känslig i bakbenen, håll lugnt tempo",
    "Rädd för klippmaskin",
    "Står bäst uppbunden i spiltan",
    "Allergisk mot damm, hö blötläggs",
    "Sparkar ibland, var försiktig bakom",
)

CUSTOMER_NOTES = (
    "Hästen står i hage 3, ring när ni kommer.",
    "Kod till grinden: 1234.",
    "Hon är lite orolig vid nya människor.",
    "Kan ni även titta på vänster fram?",
    "Parkera vid ridhuset.",
    "Stallet ligger efter den röda ladan.",
)

CANCELLATION_MESSAGES = (
    "Hästen är halt, vi bokar om.",
    "Sjukdom, ber om ursäkt.",
    "Krockar med tävling.",
    "Bilen gick sönder.",
    "Hästen är såld.",
)

EXCEPTION_REASONS = ("Semester", "Utbildning", "Sjukdom", "Tävling", "Kurs", "Ledig")

REVIEW_COMMENTS = {
    5: (
        "Fantastiskt bemötande, hästen var lugn hela tiden.",
        "Mycket noggrann och punktlig. Rekommenderas!",
        "Bästa hovslagaren vi haft.",
        "Proffsigt och trevligt, bokar gärna igen.",
    ),
    4: ("Bra jobbat, kom lite sent men hörde av sig.", "Trevlig och kunnig.", "Bra resultat."),
    3: ("Okej, men lite stressat.", "Helt godkänt men dyrt.", "Fick vänta länge på svar."),
    2: ("Kom en timme för sent utan att höra av sig.", "Inte nöjd med resultatet."),
    1: ("Dök inte upp första gången.", "Hästen blev öm efteråt, besviken."),
}

REVIEW_REPLIES = (
    "Tack för fina ord, vi ses nästa gång!",
    "Tack för feedbacken, vi tar med oss det.",
    "Ledsen att det blev så, hör gärna av dig så löser vi det.",
)

SWEDISH_MONTHS = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")  # fmt: skip
