"""The source of truth for sample-queries/: entities (label, aliases, how a prompt names them) and facts.

Every fact here is a single-valued (subject, relation, object) triple from well-known, stable world
knowledge, written to match Wikidata where Wikidata has the relation. Where a subject really has more
than one value for a relation (two spouses, two founders, several official languages, a
transcontinental country), the fact is left out rather than guessed, so every composed query has one
right answer. The few deliberate exceptions are listed in MULTI_VALUED below and in the README.

Conventions
- `label` is the entity's name as an answer (no leading "the"); `mention` is how a prompt names it
  ("the United States", "the Eiffel Tower"); the label always occurs inside the mention, so e1 occurs
  verbatim in every prompt.
- Aliases are common alternative names. Short or generic ones that would match unrelated text as a
  case-insensitive substring ("US", "UK", "won", "rand", "sol", a bare "dollar" or "peso" shared by
  several currencies, a bare surname shared by a family) are left out on purpose.
"""

ENTITIES = {}  # label -> {"kind", "aliases", "mention"}
FACTS = []  # (subject label, relation, object label)


def entity(label, kind, aliases=(), mention=None):
    if label in ENTITIES:
        old = ENTITIES[label]
        assert old["kind"] == kind, f"{label}: kind {old['kind']} vs {kind}"
        if aliases:
            assert tuple(old["aliases"]) == tuple(aliases), f"{label}: aliases differ"
        return label
    mention = mention or label
    assert label in mention, f"{label!r} not in its mention {mention!r}"
    ENTITIES[label] = {"kind": kind, "aliases": list(aliases), "mention": mention}
    return label


def fact(subject, relation, obj):
    FACTS.append((subject, relation, obj))


def the(label):
    return "the " + label


# ----------------------------------------------------------------------------------------------------
# Answer entities: currencies, languages, continents, anthems.

CURRENCIES = {
    "Japanese yen": ["yen", "JPY"],
    "South Korean won": ["Korean won", "KRW"],
    "renminbi": ["yuan", "Chinese yuan", "RMB", "CNY"],
    "New Taiwan dollar": ["Taiwan dollar", "TWD"],
    "Indian rupee": ["rupee", "INR"],
    "Thai baht": ["baht", "THB"],
    "Vietnamese đồng": ["Vietnamese dong", "đồng", "dong", "VND"],
    "Cambodian riel": ["riel", "KHR"],
    "Jordanian dinar": ["JOD"],
    "UAE dirham": ["United Arab Emirates dirham", "dirham", "AED"],
    "Saudi riyal": ["riyal", "SAR"],
    "Turkish lira": ["lira", "TRY"],
    "euro": ["EUR"],
    "Swedish krona": ["krona", "SEK"],
    "Norwegian krone": ["NOK"],
    "Danish krone": ["DKK"],
    "Icelandic króna": ["Icelandic krona", "ISK"],
    "Swiss franc": ["CHF"],
    "pound sterling": ["British pound", "sterling", "GBP"],
    "Polish złoty": ["złoty", "zloty", "PLN"],
    "Czech koruna": ["koruna", "Czech crown", "CZK"],
    "Hungarian forint": ["forint", "HUF"],
    "Serbian dinar": ["RSD"],
    "Russian ruble": ["ruble", "rouble", "RUB"],
    "United States dollar": ["US dollar", "U.S. dollar", "American dollar", "USD"],
    "Canadian dollar": ["CAD"],
    "Mexican peso": ["MXN"],
    "Jamaican dollar": ["JMD"],
    "Barbadian dollar": ["Barbados dollar", "BBD"],
    "Brazilian real": ["reais", "BRL"],
    "Argentine peso": ["ARS"],
    "Colombian peso": ["COP"],
    "Peruvian sol": ["nuevo sol", "PEN"],
    "Chilean peso": ["CLP"],
    "Egyptian pound": ["EGP"],
    "South African rand": ["ZAR"],
    "Nigerian naira": ["naira", "NGN"],
    "Kenyan shilling": ["KES"],
    "Tanzanian shilling": ["TZS"],
    "Australian dollar": ["AUD"],
    "New Zealand dollar": ["NZD"],
}
for _label, _aliases in CURRENCIES.items():
    entity(_label, "currency", _aliases)

LANGUAGES = {
    "Japanese": [], "Korean": [], "Chinese": ["Mandarin", "Standard Chinese"], "Thai": [],
    "Vietnamese": [], "Khmer": [], "Arabic": [], "Turkish": [], "German": [], "French": [],
    "Italian": [], "Spanish": ["Castilian"], "Portuguese": [], "Greek": [], "Dutch": [],
    "Swedish": [], "Norwegian": [], "Danish": [], "Icelandic": [], "English": [], "Polish": [],
    "Czech": [], "Hungarian": ["Magyar"], "Serbian": [], "Russian": [],
}
for _label, _aliases in LANGUAGES.items():
    entity(_label, "language", _aliases)

for _label in ["Asia", "Europe", "Africa", "North America", "South America"]:
    entity(_label, "continent")

ANTHEMS = {
    "Kimigayo": [],
    "Aegukga": [],
    "March of the Volunteers": [],
    "Jana Gana Mana": [],
    "Deutschlandlied": ["Das Lied der Deutschen", "Lied der Deutschen"],
    "La Marseillaise": ["Marseillaise"],
    "Il Canto degli Italiani": ["Fratelli d'Italia", "Inno di Mameli"],
    "Marcha Real": ["Royal March"],
    "A Portuguesa": [],
    "Hymn to Liberty": [],
    "Wilhelmus": [],
    "Du gamla, du fria": [],
    "Ja, vi elsker dette landet": [],
    "Der er et yndigt land": [],
    "Swiss Psalm": [],
    "God Save the King": ["God Save the Queen"],
    "Mazurek Dąbrowskiego": ["Poland Is Not Yet Lost", "Dąbrowski's Mazurka"],
    "The Star-Spangled Banner": ["Star-Spangled Banner"],
    "O Canada": [],
    "Himno Nacional Mexicano": ["Mexican National Anthem"],
    "Hino Nacional Brasileiro": ["Brazilian National Anthem"],
    "Advance Australia Fair": [],
}
for _label, _aliases in ANTHEMS.items():
    entity(_label, "anthem", _aliases)

# ----------------------------------------------------------------------------------------------------
# People who are heads of state (monarchs only: presidents and prime ministers change too often),
# with their parents and spouses where there is exactly one.

PEOPLE = {
    # label: aliases
    "Naruhito": ["Emperor Naruhito"],
    "Akihito": ["Emperor Akihito"],
    "Empress Michiko": ["Michiko Shōda"],
    "Empress Masako": ["Masako Owada"],
    "Charles III": ["King Charles III", "King Charles", "Prince Charles"],
    "Prince Philip": ["Prince Philip, Duke of Edinburgh", "Duke of Edinburgh", "Philip Mountbatten"],
    "Elizabeth II": ["Queen Elizabeth II"],
    "Felipe VI": ["King Felipe VI", "King Felipe", "Philip VI"],
    "Juan Carlos I": ["King Juan Carlos", "Juan Carlos"],
    "Queen Sofía": ["Queen Sofia", "Sofía of Greece and Denmark"],
    "Queen Letizia": ["Letizia Ortiz"],
    "Carl XVI Gustaf": ["King Carl XVI Gustaf", "Carl Gustaf"],
    "Prince Gustaf Adolf, Duke of Västerbotten": ["Prince Gustaf Adolf"],
    "Princess Sibylla of Saxe-Coburg and Gotha": ["Princess Sibylla"],
    "Queen Silvia": ["Silvia Sommerlath"],
    "Harald V": ["King Harald V", "King Harald"],
    "Olav V": ["King Olav V", "King Olav"],
    "Crown Princess Märtha": ["Märtha of Sweden", "Princess Märtha"],
    "Queen Sonja": ["Sonja Haraldsen"],
    "Frederik X": ["King Frederik X", "King Frederik", "Frederick X"],
    "Prince Henrik of Denmark": ["Prince Henrik", "Henri de Laborde de Monpezat"],
    "Margrethe II": ["Queen Margrethe II", "Queen Margrethe"],
    "Queen Mary of Denmark": ["Mary Donaldson", "Crown Princess Mary"],
    "Willem-Alexander": ["King Willem-Alexander", "Willem Alexander"],
    "Prince Claus of the Netherlands": ["Prince Claus", "Claus van Amsberg"],
    "Beatrix of the Netherlands": ["Queen Beatrix", "Princess Beatrix"],
    "Queen Máxima": ["Máxima Zorreguieta", "Queen Maxima"],
    "Philippe of Belgium": ["King Philippe"],
    "Albert II of Belgium": ["King Albert II"],
    "Queen Paola": ["Paola Ruffo di Calabria"],
    "Queen Mathilde": ["Mathilde d'Udekem d'Acoz"],
    "Vajiralongkorn": ["Maha Vajiralongkorn", "Rama X", "King Vajiralongkorn"],
    "Bhumibol Adulyadej": ["King Bhumibol", "Rama IX"],
    "Queen Sirikit": ["Sirikit"],
    "Abdullah II of Jordan": ["King Abdullah II", "Abdullah II"],
    "Hussein of Jordan": ["King Hussein"],
    "Princess Muna al-Hussein": ["Princess Muna", "Antoinette Gardiner"],
    "Queen Rania": ["Rania Al-Yassin", "Rania of Jordan"],
    "Norodom Sihamoni": ["King Sihamoni", "Sihamoni"],
    "Norodom Sihanouk": ["King Sihanouk", "Sihanouk"],
    "Norodom Monineath": ["Queen Monineath", "Monineath"],
}
for _label, _aliases in PEOPLE.items():
    entity(_label, "person", _aliases)

# monarch: (father, mother, spouse or None)
MONARCHS = {
    "Naruhito": ("Akihito", "Empress Michiko", "Empress Masako"),
    "Charles III": ("Prince Philip", "Elizabeth II", None),  # two spouses: Diana, Camilla
    "Felipe VI": ("Juan Carlos I", "Queen Sofía", "Queen Letizia"),
    "Carl XVI Gustaf": ("Prince Gustaf Adolf, Duke of Västerbotten",
                        "Princess Sibylla of Saxe-Coburg and Gotha", "Queen Silvia"),
    "Harald V": ("Olav V", "Crown Princess Märtha", "Queen Sonja"),
    "Frederik X": ("Prince Henrik of Denmark", "Margrethe II", "Queen Mary of Denmark"),
    "Willem-Alexander": ("Prince Claus of the Netherlands", "Beatrix of the Netherlands", "Queen Máxima"),
    "Philippe of Belgium": ("Albert II of Belgium", "Queen Paola", "Queen Mathilde"),
    "Vajiralongkorn": ("Bhumibol Adulyadej", "Queen Sirikit", None),  # several marriages
    "Abdullah II of Jordan": ("Hussein of Jordan", "Princess Muna al-Hussein", "Queen Rania"),
    "Norodom Sihamoni": ("Norodom Sihanouk", "Norodom Monineath", None),  # unmarried
}
for _m, (_f, _mo, _s) in MONARCHS.items():
    fact(_m, "father", _f)
    fact(_m, "mother", _mo)
    if _s:
        fact(_m, "spouse", _s)

# ----------------------------------------------------------------------------------------------------
# Countries. Columns: capital, currency, official language, continent, national anthem, head of state.
# None = left out: several official languages or none de jure (US, Mexico, Argentina, Chile,
# Australia, India, Switzerland, Finland, Belgium, Ireland, Canada, ...), a transcontinental country
# (Russia, Turkey, Egypt), an anthem or head of state not well known or not stable (presidents).

COUNTRIES = [
    # label, mention, aliases, capital, currency, language, continent, anthem, head of state
    ("Japan", None, ["Nippon"], "Tokyo", "Japanese yen", "Japanese", "Asia", "Kimigayo", "Naruhito"),
    ("South Korea", None, ["Korea", "Republic of Korea"], "Seoul", "South Korean won", "Korean", "Asia",
     "Aegukga", None),
    ("China", None, ["People's Republic of China", "PRC"], "Beijing", "renminbi", "Chinese", "Asia",
     "March of the Volunteers", None),
    ("Taiwan", None, ["Republic of China"], "Taipei", "New Taiwan dollar", None, "Asia", None, None),
    ("India", None, ["Republic of India", "Bharat"], "New Delhi", "Indian rupee", None, "Asia",
     "Jana Gana Mana", None),
    ("Thailand", None, ["Siam"], "Bangkok", "Thai baht", "Thai", "Asia", None, "Vajiralongkorn"),
    ("Vietnam", None, ["Viet Nam"], "Hanoi", "Vietnamese đồng", "Vietnamese", "Asia", None, None),
    ("Cambodia", None, ["Kingdom of Cambodia"], "Phnom Penh", "Cambodian riel", "Khmer", "Asia", None,
     "Norodom Sihamoni"),
    ("Jordan", None, ["Hashemite Kingdom of Jordan"], "Amman", "Jordanian dinar", "Arabic", "Asia", None,
     "Abdullah II of Jordan"),
    ("United Arab Emirates", "the United Arab Emirates", ["UAE", "Emirates"], "Abu Dhabi", "UAE dirham",
     "Arabic", "Asia", None, None),
    ("Saudi Arabia", None, ["Kingdom of Saudi Arabia"], "Riyadh", "Saudi riyal", "Arabic", "Asia", None,
     None),
    ("Turkey", None, ["Türkiye", "Turkiye"], "Ankara", "Turkish lira", "Turkish", None, None, None),
    ("Germany", None, ["Federal Republic of Germany", "Deutschland"], "Berlin", "euro", "German", "Europe",
     "Deutschlandlied", None),
    ("France", None, ["French Republic"], "Paris", "euro", "French", "Europe", "La Marseillaise", None),
    ("Italy", None, ["Italian Republic", "Italia"], "Rome", "euro", "Italian", "Europe",
     "Il Canto degli Italiani", None),
    ("Spain", None, ["Kingdom of Spain", "España"], "Madrid", "euro", "Spanish", "Europe", "Marcha Real",
     "Felipe VI"),
    ("Portugal", None, ["Portuguese Republic"], "Lisbon", "euro", "Portuguese", "Europe", "A Portuguesa",
     None),
    ("Greece", None, ["Hellenic Republic", "Hellas"], "Athens", "euro", "Greek", "Europe",
     "Hymn to Liberty", None),
    ("Netherlands", "the Netherlands", ["Holland", "Kingdom of the Netherlands"], "Amsterdam", "euro",
     "Dutch", "Europe", "Wilhelmus", "Willem-Alexander"),
    ("Belgium", None, ["Kingdom of Belgium"], "Brussels", "euro", None, "Europe", None,
     "Philippe of Belgium"),
    ("Austria", None, ["Republic of Austria", "Österreich"], "Vienna", "euro", "German", "Europe", None,
     None),
    ("Ireland", None, ["Republic of Ireland", "Éire"], "Dublin", "euro", None, "Europe", None, None),
    ("Finland", None, ["Suomi", "Republic of Finland"], "Helsinki", "euro", None, "Europe", None, None),
    ("Sweden", None, ["Kingdom of Sweden", "Sverige"], "Stockholm", "Swedish krona", "Swedish", "Europe",
     "Du gamla, du fria", "Carl XVI Gustaf"),
    ("Norway", None, ["Kingdom of Norway", "Norge"], "Oslo", "Norwegian krone", "Norwegian", "Europe",
     "Ja, vi elsker dette landet", "Harald V"),
    ("Denmark", None, ["Kingdom of Denmark", "Danmark"], "Copenhagen", "Danish krone", "Danish", "Europe",
     "Der er et yndigt land", "Frederik X"),
    ("Iceland", None, ["Ísland"], "Reykjavík", "Icelandic króna", "Icelandic", "Europe", None, None),
    ("Switzerland", None, ["Swiss Confederation"], "Bern", "Swiss franc", None, "Europe", "Swiss Psalm",
     None),
    ("United Kingdom", "the United Kingdom", ["Britain", "Great Britain", "U.K.",
                                              "United Kingdom of Great Britain and Northern Ireland"],
     "London", "pound sterling", "English", "Europe", "God Save the King", "Charles III"),
    ("Poland", None, ["Republic of Poland", "Polska"], "Warsaw", "Polish złoty", "Polish", "Europe",
     "Mazurek Dąbrowskiego", None),
    ("Czech Republic", "the Czech Republic", ["Czechia"], "Prague", "Czech koruna", "Czech", "Europe",
     None, None),
    ("Hungary", None, ["Magyarország"], "Budapest", "Hungarian forint", "Hungarian", "Europe", None, None),
    ("Serbia", None, ["Republic of Serbia"], "Belgrade", "Serbian dinar", "Serbian", "Europe", None, None),
    ("Russia", None, ["Russian Federation"], "Moscow", "Russian ruble", "Russian", None, None, None),
    ("United States", "the United States", ["United States of America", "USA", "U.S.", "U.S.A."],
     "Washington, D.C.", "United States dollar", None, "North America", "The Star-Spangled Banner", None),
    ("Canada", None, [], "Ottawa", "Canadian dollar", None, "North America", "O Canada", "Charles III"),
    ("Mexico", None, ["United Mexican States", "México"], "Mexico City", "Mexican peso", None,
     "North America", "Himno Nacional Mexicano", None),
    ("Jamaica", None, [], "Kingston", "Jamaican dollar", "English", None, None, "Charles III"),
    ("Barbados", None, [], "Bridgetown", "Barbadian dollar", "English", None, None, None),
    ("Brazil", None, ["Federative Republic of Brazil", "Brasil"], "Brasília", "Brazilian real",
     "Portuguese", "South America", "Hino Nacional Brasileiro", None),
    ("Argentina", None, ["Argentine Republic"], "Buenos Aires", "Argentine peso", None, "South America",
     None, None),
    ("Colombia", None, ["Republic of Colombia"], "Bogotá", "Colombian peso", "Spanish", "South America",
     None, None),
    ("Peru", None, ["Republic of Peru", "Perú"], "Lima", "Peruvian sol", None, "South America", None,
     None),
    ("Chile", None, ["Republic of Chile"], "Santiago", "Chilean peso", None, "South America", None, None),
    ("Egypt", None, ["Arab Republic of Egypt"], "Cairo", "Egyptian pound", "Arabic", None, None, None),
    ("South Africa", None, ["Republic of South Africa"], None, "South African rand", None, "Africa", None,
     None),
    ("Nigeria", None, ["Federal Republic of Nigeria"], "Abuja", "Nigerian naira", "English", "Africa", None,
     None),
    ("Kenya", None, ["Republic of Kenya"], "Nairobi", "Kenyan shilling", None, "Africa", None, None),
    ("Tanzania", None, ["United Republic of Tanzania"], "Dodoma", "Tanzanian shilling", None, "Africa",
     None, None),
    ("Australia", None, ["Commonwealth of Australia"], "Canberra", "Australian dollar", None, None,
     "Advance Australia Fair", "Charles III"),
    ("New Zealand", None, ["Aotearoa"], "Wellington", "New Zealand dollar", None, None, None,
     "Charles III"),
]

CAPITAL_ALIASES = {
    "Washington, D.C.": ["Washington D.C.", "Washington, DC", "Washington DC"],
    "Reykjavík": ["Reykjavik"],
    "Brasília": ["Brasilia"],
    "Bogotá": ["Bogota"],
    "Bern": ["Berne"],
    "Beijing": ["Peking"],
    "Mexico City": ["Ciudad de México"],
    "Santiago": ["Santiago de Chile"],
    "Kingston": [],
}

for (_c, _mention, _aliases, _capital, _currency, _language, _continent, _anthem,
     _head) in COUNTRIES:
    entity(_c, "country", _aliases, _mention)
    for _rel, _obj in [("capital", _capital), ("currency", _currency), ("official language", _language),
                       ("continent", _continent), ("national anthem", _anthem), ("head of state", _head)]:
        if _obj is None:
            continue
        if _rel == "capital":
            entity(_obj, "capital", CAPITAL_ALIASES.get(_obj, ()))
            fact(_obj, "country", _c)
        assert _obj in ENTITIES, f"{_c}: unknown {_rel} {_obj!r}"
        fact(_c, _rel, _obj)

# ----------------------------------------------------------------------------------------------------
# Geography: famous landmarks and cities, each in one country (cross-border ones left out).

LANDMARKS = [
    # label, mention, aliases, country
    ("Eiffel Tower", "the Eiffel Tower", ["Tour Eiffel"], "France"),
    ("Louvre", "the Louvre", ["Louvre Museum", "Musée du Louvre"], "France"),
    ("Mont Saint-Michel", None, [], "France"),
    ("Colosseum", "the Colosseum", ["Coliseum", "Flavian Amphitheatre"], "Italy"),
    ("Leaning Tower of Pisa", "the Leaning Tower of Pisa", ["Tower of Pisa"], "Italy"),
    ("Trevi Fountain", "the Trevi Fountain", [], "Italy"),
    ("Big Ben", None, ["Elizabeth Tower"], "United Kingdom"),
    ("Stonehenge", None, [], "United Kingdom"),
    ("Tower Bridge", None, [], "United Kingdom"),
    ("Buckingham Palace", None, [], "United Kingdom"),
    ("Statue of Liberty", "the Statue of Liberty", ["Liberty Enlightening the World"], "United States"),
    ("Golden Gate Bridge", "the Golden Gate Bridge", [], "United States"),
    ("Mount Rushmore", None, [], "United States"),
    ("Grand Canyon", "the Grand Canyon", [], "United States"),
    ("Taj Mahal", "the Taj Mahal", [], "India"),
    ("Red Fort", "the Red Fort", ["Lal Qila"], "India"),
    ("Forbidden City", "the Forbidden City", [], "China"),
    ("Terracotta Army", "the Terracotta Army", ["Terracotta Warriors"], "China"),
    ("Mount Fuji", None, ["Fuji", "Fujisan"], "Japan"),
    ("Kinkaku-ji", None, ["Golden Pavilion", "Kinkakuji"], "Japan"),
    ("Gyeongbokgung", None, ["Gyeongbokgung Palace", "Gyeongbok Palace"], "South Korea"),
    ("Sydney Opera House", "the Sydney Opera House", [], "Australia"),
    ("Uluru", None, ["Ayers Rock"], "Australia"),
    ("Great Barrier Reef", "the Great Barrier Reef", [], "Australia"),
    ("Machu Picchu", None, [], "Peru"),
    ("Christ the Redeemer", None, ["Cristo Redentor"], "Brazil"),
    ("Sugarloaf Mountain", None, ["Pão de Açúcar"], "Brazil"),
    ("Acropolis of Athens", "the Acropolis of Athens", ["Acropolis"], "Greece"),
    ("Parthenon", "the Parthenon", [], "Greece"),
    ("Sagrada Família", "the Sagrada Família", ["Sagrada Familia"], "Spain"),
    ("Alhambra", "the Alhambra", [], "Spain"),
    ("Brandenburg Gate", "the Brandenburg Gate", ["Brandenburger Tor"], "Germany"),
    ("Neuschwanstein Castle", None, ["Schloss Neuschwanstein", "Neuschwanstein"], "Germany"),
    ("Moscow Kremlin", "the Moscow Kremlin", ["Kremlin"], "Russia"),
    ("Red Square", None, [], "Russia"),
    ("Petra", None, [], "Jordan"),
    ("Angkor Wat", None, [], "Cambodia"),
    ("Chichen Itza", None, ["Chichén Itzá"], "Mexico"),
    ("Teotihuacan", None, ["Teotihuacán"], "Mexico"),
    ("Great Pyramid of Giza", "the Great Pyramid of Giza", ["Pyramid of Khufu", "Pyramids of Giza"], "Egypt"),
    ("Hagia Sophia", None, ["Ayasofya"], "Turkey"),
    ("CN Tower", "the CN Tower", [], "Canada"),
    ("Burj Khalifa", "the Burj Khalifa", [], "United Arab Emirates"),
    ("Table Mountain", None, [], "South Africa"),
    ("Mount Kilimanjaro", None, ["Kilimanjaro"], "Tanzania"),
    ("Atomium", "the Atomium", [], "Belgium"),
    ("Manneken Pis", None, [], "Belgium"),
    ("Charles Bridge", None, ["Karlův most"], "Czech Republic"),
    ("Rijksmuseum", "the Rijksmuseum", [], "Netherlands"),
    ("Anne Frank House", "the Anne Frank House", [], "Netherlands"),
    ("Schönbrunn Palace", None, ["Schönbrunn", "Schloss Schönbrunn"], "Austria"),
    ("Cliffs of Moher", "the Cliffs of Moher", [], "Ireland"),
    ("Ha Long Bay", None, ["Halong Bay"], "Vietnam"),
    ("Wat Arun", None, ["Temple of Dawn"], "Thailand"),
    ("Wawel Castle", None, ["Wawel"], "Poland"),
    ("Belém Tower", None, ["Torre de Belém", "Belem Tower"], "Portugal"),
    ("Vasa Museum", "the Vasa Museum", ["Vasamuseet"], "Sweden"),
    ("Tivoli Gardens", None, ["Tivoli"], "Denmark"),
    ("Geirangerfjord", "the Geirangerfjord", [], "Norway"),
    ("Easter Island", None, ["Rapa Nui"], "Chile"),
    ("Perito Moreno Glacier", "the Perito Moreno Glacier", [], "Argentina"),
]
for _label, _mention, _aliases, _country in LANDMARKS:
    entity(_label, "landmark", _aliases, _mention)
    fact(_label, "country", _country)

# Famous cities that are not capitals (capitals are already cities, with their country).
CITIES = [
    ("Kyoto", [], "Japan"), ("Osaka", [], "Japan"), ("Yokohama", [], "Japan"),
    ("Hiroshima", [], "Japan"), ("Busan", ["Pusan"], "South Korea"), ("Shanghai", [], "China"),
    ("Shenzhen", [], "China"), ("Hangzhou", [], "China"),
    ("Mumbai", ["Bombay"], "India"), ("Bengaluru", ["Bangalore"], "India"),
    ("Kolkata", ["Calcutta"], "India"), ("Chiang Mai", [], "Thailand"),
    ("Ho Chi Minh City", ["Saigon"], "Vietnam"), ("Dubai", [], "United Arab Emirates"),
    ("Istanbul", ["Constantinople"], "Turkey"), ("Munich", ["München"], "Germany"),
    ("Hamburg", [], "Germany"), ("Frankfurt", ["Frankfurt am Main"], "Germany"),
    ("Cologne", ["Köln"], "Germany"), ("Stuttgart", [], "Germany"), ("Marseille", ["Marseilles"], "France"),
    ("Lyon", ["Lyons"], "France"), ("Bordeaux", [], "France"),
    ("Milan", ["Milano"], "Italy"), ("Venice", ["Venezia"], "Italy"), ("Florence", ["Firenze"], "Italy"),
    ("Naples", ["Napoli"], "Italy"), ("Turin", ["Torino"], "Italy"), ("Barcelona", [], "Spain"),
    ("Seville", ["Sevilla"], "Spain"), ("Porto", ["Oporto"], "Portugal"),
    ("Rotterdam", [], "Netherlands"), ("Antwerp", ["Antwerpen"], "Belgium"),
    ("Salzburg", [], "Austria"), ("Zürich", ["Zurich"], "Switzerland"), ("Geneva", ["Genève"], "Switzerland"),
    ("Gothenburg", ["Göteborg"], "Sweden"), ("Bergen", [], "Norway"), ("Kraków", ["Krakow", "Cracow"], "Poland"),
    ("Manchester", [], "United Kingdom"), ("Liverpool", [], "United Kingdom"),
    ("Edinburgh", [], "United Kingdom"), ("Saint Petersburg", ["St. Petersburg", "St Petersburg"], "Russia"),
    ("New York City", ["New York"], "United States"), ("Los Angeles", [], "United States"),
    ("Chicago", [], "United States"), ("San Francisco", [], "United States"),
    ("Seattle", [], "United States"), ("Toronto", [], "Canada"), ("Vancouver", [], "Canada"),
    ("Montreal", ["Montréal"], "Canada"), ("Rio de Janeiro", [], "Brazil"),
    ("São Paulo", ["Sao Paulo"], "Brazil"), ("Cusco", ["Cuzco"], "Peru"),
    ("Alexandria", [], "Egypt"), ("Cape Town", [], "South Africa"), ("Sydney", [], "Australia"),
    ("Melbourne", [], "Australia"), ("Auckland", [], "New Zealand"),
]
for _label, _aliases, _country in CITIES:
    entity(_label, "city", _aliases)
    fact(_label, "country", _country)

# Towns that only appear as a company's headquarters (not used as the start of a geography query).
TOWNS = [
    ("Toyota City", [], "Japan"), ("Hamamatsu", [], "Japan"), ("Suwon", [], "South Korea"),
    ("Hsinchu", [], "Taiwan"), ("New Taipei", ["New Taipei City"], "Taiwan"),
    ("Wolfsburg", [], "Germany"), ("Ingolstadt", [], "Germany"), ("Herzogenaurach", [], "Germany"),
    ("Gerlingen", [], "Germany"), ("Walldorf", [], "Germany"), ("Leverkusen", [], "Germany"),
    ("Ludwigshafen", ["Ludwigshafen am Rhein"], "Germany"), ("Boulogne-Billancourt", [], "France"),
    ("Clermont-Ferrand", [], "France"), ("Clichy", [], "France"), ("Maranello", [], "Italy"),
    ("Sant'Agata Bolognese", [], "Italy"), ("Parma", [], "Italy"), ("Modena", [], "Italy"),
    ("Bologna", [], "Italy"), ("Pontedera", [], "Italy"), ("Espoo", [], "Finland"),
    ("Vevey", [], "Switzerland"), ("Biel/Bienne", ["Biel", "Bienne"], "Switzerland"),
    ("Billund", [], "Denmark"), ("Stavanger", [], "Norway"), ("Cupertino", [], "United States"),
    ("Redmond", [], "United States"), ("Mountain View", [], "United States"),
    ("Atlanta", [], "United States"), ("Dearborn", [], "United States"), ("Detroit", [], "United States"),
    ("Armonk", [], "United States"), ("Santa Clara", [], "United States"),
    ("Beaverton", [], "United States"), ("Austin", [], "United States"),
    ("Bentonville", [], "United States"), ("Burbank", [], "United States"),
    ("Los Gatos", [], "United States"), ("Menlo Park", [], "United States"),
    ("Milwaukee", [], "United States"), ("San Jose", [], "United States"),
    ("El Segundo", [], "United States"), ("Round Rock", [], "United States"),
    ("Redwood City", [], "United States"), ("Cary", [], "United States"),
    ("Gaydon", [], "United Kingdom"), ("Coventry", [], "United Kingdom"),
    ("Welwyn Garden City", [], "United Kingdom"), ("Mladá Boleslav", ["Mlada Boleslav"], "Czech Republic"),
    ("Fuschl am See", [], "Austria"), ("Arteixo", [], "Spain"), ("Martorell", [], "Spain"),
    ("São José dos Campos", ["Sao Jose dos Campos"], "Brazil"), ("Tolyatti", ["Togliatti"], "Russia"),
    ("Izhevsk", [], "Russia"), ("Dhahran", [], "Saudi Arabia"),
]
for _label, _aliases, _country in TOWNS:
    entity(_label, "town", _aliases)
    fact(_label, "country", _country)

# ----------------------------------------------------------------------------------------------------
# Companies: country of origin, headquarters location (None = moved, split or unclear), founder
# (only where there is one founder), CEO (long-serving, as of 2025).

COMPANIES = [
    # label, aliases, country of origin, headquarters, founder, CEO
    ("Toyota", ["Toyota Motor Corporation"], "Japan", None, "Kiichiro Toyoda", None),
    ("Honda", ["Honda Motor Company", "Honda Motor Co."], "Japan", "Tokyo", "Soichiro Honda", None),
    ("Sony", ["Sony Group", "Sony Corporation"], "Japan", "Tokyo", None, None),
    ("Nintendo", [], "Japan", "Kyoto", "Fusajiro Yamauchi", None),
    ("Nissan", ["Nissan Motor"], "Japan", "Yokohama", None, None),
    ("Panasonic", ["Matsushita Electric"], "Japan", None, "Kōnosuke Matsushita", None),
    ("Canon", ["Canon Inc."], "Japan", "Tokyo", None, None),
    ("Toshiba", [], "Japan", "Tokyo", None, None),
    ("Mazda", [], "Japan", None, None, None),
    ("Subaru", [], "Japan", None, None, None),
    ("Suzuki", ["Suzuki Motor"], "Japan", "Hamamatsu", None, None),
    ("Yamaha", [], "Japan", None, None, None),
    ("Sega", [], "Japan", "Tokyo", None, None),
    ("Capcom", [], "Japan", "Osaka", None, None),
    ("Namco", ["Bandai Namco"], "Japan", "Tokyo", None, None),
    ("Nikon", [], "Japan", "Tokyo", None, None),
    ("Samsung", ["Samsung Group"], "South Korea", None, "Lee Byung-chul", None),
    ("Hyundai", ["Hyundai Motor Company"], "South Korea", "Seoul", "Chung Ju-yung", None),
    ("Kia", ["Kia Motors", "Kia Corporation"], "South Korea", "Seoul", None, None),
    ("LG", ["LG Corporation", "LG Electronics"], "South Korea", "Seoul", None, None),
    ("Huawei", [], "China", "Shenzhen", "Ren Zhengfei", None),
    ("Tencent", [], "China", "Shenzhen", None, None),
    ("BYD", ["BYD Auto", "BYD Company"], "China", "Shenzhen", None, None),
    ("Alibaba", ["Alibaba Group"], "China", "Hangzhou", None, None),
    ("Xiaomi", [], "China", "Beijing", None, None),
    ("Baidu", [], "China", "Beijing", None, None),
    ("Acer", [], "Taiwan", "New Taipei", None, None),
    ("Asus", ["ASUS", "ASUSTeK"], "Taiwan", "Taipei", None, None),
    ("TSMC", ["Taiwan Semiconductor Manufacturing Company"], "Taiwan", "Hsinchu", None, None),
    ("Volkswagen", ["VW", "Volkswagen Group"], "Germany", "Wolfsburg", None, None),
    ("BMW", ["Bayerische Motoren Werke"], "Germany", "Munich", None, None),
    ("Mercedes-Benz", ["Mercedes", "Mercedes-Benz Group", "Daimler"], "Germany", "Stuttgart", None, None),
    ("Audi", [], "Germany", "Ingolstadt", None, None),
    ("Porsche", [], "Germany", "Stuttgart", "Ferdinand Porsche", None),
    ("Siemens", [], "Germany", "Munich", None, None),
    ("Adidas", ["adidas"], "Germany", "Herzogenaurach", "Adolf Dassler", None),
    ("Puma", ["PUMA"], "Germany", "Herzogenaurach", "Rudolf Dassler", None),
    ("Bosch", ["Robert Bosch GmbH"], "Germany", "Gerlingen", "Robert Bosch", None),
    ("SAP", [], "Germany", "Walldorf", None, None),
    ("Lufthansa", ["Deutsche Lufthansa"], "Germany", "Cologne", None, None),
    ("Bayer", [], "Germany", "Leverkusen", None, None),
    ("BASF", [], "Germany", "Ludwigshafen", None, None),
    ("Renault", [], "France", "Boulogne-Billancourt", None, None),
    ("Peugeot", [], "France", None, None, None),
    ("Michelin", [], "France", "Clermont-Ferrand", None, None),
    ("L'Oréal", ["L'Oreal"], "France", "Clichy", None, None),
    ("Chanel", [], "France", None, "Coco Chanel", None),
    ("Citroën", ["Citroen"], "France", None, "André Citroën", None),
    ("Danone", [], "France", None, None, None),
    ("Ferrari", [], "Italy", "Maranello", "Enzo Ferrari", None),
    ("Fiat", ["FIAT"], "Italy", "Turin", None, None),
    ("Lamborghini", ["Automobili Lamborghini"], "Italy", "Sant'Agata Bolognese", "Ferruccio Lamborghini",
     None),
    ("Gucci", [], "Italy", "Florence", "Guccio Gucci", None),
    ("Prada", [], "Italy", "Milan", None, None),
    ("Pirelli", [], "Italy", "Milan", None, None),
    ("Barilla", [], "Italy", "Parma", None, None),
    ("Maserati", [], "Italy", "Modena", None, None),
    ("Ducati", [], "Italy", "Bologna", None, None),
    ("Piaggio", [], "Italy", "Pontedera", None, None),
    ("Ferrero", [], "Italy", None, None, None),
    ("IKEA", ["Ikea"], "Sweden", None, "Ingvar Kamprad", None),
    ("Volvo", ["Volvo Cars"], "Sweden", "Gothenburg", None, None),
    ("Ericsson", [], "Sweden", "Stockholm", None, None),
    ("Spotify", [], "Sweden", "Stockholm", None, None),
    ("H&M", ["Hennes & Mauritz"], "Sweden", "Stockholm", "Erling Persson", None),
    ("Electrolux", [], "Sweden", "Stockholm", None, None),
    ("Mojang", ["Mojang Studios"], "Sweden", "Stockholm", None, None),
    ("Nokia", [], "Finland", "Espoo", None, None),
    ("Rovio", ["Rovio Entertainment"], "Finland", "Espoo", None, None),
    ("Philips", ["Koninklijke Philips"], "Netherlands", "Amsterdam", None, None),
    ("Heineken", [], "Netherlands", "Amsterdam", "Gerard Adriaan Heineken", None),
    ("Nestlé", ["Nestle"], "Switzerland", "Vevey", None, None),
    ("Rolex", [], "Switzerland", "Geneva", None, None),
    ("Swatch", ["Swatch Group"], "Switzerland", "Biel/Bienne", None, None),
    ("Lego", ["LEGO", "The Lego Group"], "Denmark", "Billund", "Ole Kirk Christiansen", None),
    ("Carlsberg", [], "Denmark", "Copenhagen", "J. C. Jacobsen", None),
    ("Maersk", ["A.P. Moller-Maersk"], "Denmark", "Copenhagen", None, None),
    ("Equinor", ["Statoil"], "Norway", "Stavanger", None, None),
    ("Apple", ["Apple Inc."], "United States", "Cupertino", None, None),
    ("Microsoft", [], "United States", "Redmond", None, "Satya Nadella"),
    ("Google", [], "United States", "Mountain View", None, "Sundar Pichai"),
    ("Amazon", ["Amazon.com"], "United States", "Seattle", "Jeff Bezos", None),
    ("Coca-Cola", ["The Coca-Cola Company", "Coca Cola"], "United States", "Atlanta", None, None),
    ("McDonald's", ["McDonalds"], "United States", "Chicago", None, None),
    ("Ford", ["Ford Motor Company"], "United States", "Dearborn", "Henry Ford", None),
    ("General Motors", ["General Motors Company"], "United States", "Detroit", None, None),
    ("Chevrolet", ["Chevy"], "United States", "Detroit", None, None),
    ("IBM", ["International Business Machines"], "United States", "Armonk", None, None),
    ("Intel", [], "United States", "Santa Clara", None, None),
    ("Nvidia", ["NVIDIA"], "United States", "Santa Clara", None, "Jensen Huang"),
    ("Nike", [], "United States", "Beaverton", None, None),
    ("Tesla", ["Tesla, Inc.", "Tesla Motors"], "United States", "Austin", None, "Elon Musk"),
    ("Walmart", ["Wal-Mart"], "United States", "Bentonville", "Sam Walton", None),
    ("Disney", ["The Walt Disney Company", "Walt Disney Company"], "United States", "Burbank", None, None),
    ("Starbucks", [], "United States", "Seattle", None, None),
    ("Netflix", [], "United States", "Los Gatos", None, None),
    ("Meta Platforms", ["Facebook", "Meta Inc."], "United States", "Menlo Park", None, "Mark Zuckerberg"),
    ("Harley-Davidson", ["Harley Davidson"], "United States", "Milwaukee", None, None),
    ("Adobe", ["Adobe Inc.", "Adobe Systems"], "United States", "San Jose", None, None),
    ("Mattel", [], "United States", "El Segundo", None, None),
    ("Dell", ["Dell Technologies"], "United States", "Round Rock", "Michael Dell", None),
    ("Electronic Arts", [], "United States", "Redwood City", None, None),
    ("Epic Games", [], "United States", "Cary", None, None),
    ("OpenAI", [], "United States", "San Francisco", None, None),
    ("Boeing", [], "United States", None, "William Boeing", None),
    ("SpaceX", ["Space Exploration Technologies"], "United States", None, "Elon Musk", "Elon Musk"),
    ("BP", ["British Petroleum"], "United Kingdom", "London", None, None),
    ("Tesco", [], "United Kingdom", "Welwyn Garden City", None, None),
    ("Aston Martin", [], "United Kingdom", "Gaydon", None, None),
    ("Jaguar", ["Jaguar Cars"], "United Kingdom", "Coventry", None, None),
    ("Burberry", [], "United Kingdom", "London", None, None),
    ("Virgin Group", ["Virgin"], "United Kingdom", None, None, None),  # co-founded with Nik Powell
    ("Dyson", [], "United Kingdom", None, "James Dyson", None),
    ("Bombardier", [], "Canada", "Montreal", None, None),
    ("BlackBerry", ["Research In Motion"], "Canada", None, None, None),
    ("Tata Group", ["Tata"], "India", "Mumbai", None, None),
    ("Infosys", [], "India", "Bengaluru", None, None),
    ("Mahindra", ["Mahindra & Mahindra"], "India", "Mumbai", None, None),
    ("Škoda Auto", ["Skoda", "Škoda"], "Czech Republic", "Mladá Boleslav", None, None),
    ("Red Bull", ["Red Bull GmbH"], "Austria", "Fuschl am See", None, None),
    ("Zara", ["Inditex"], "Spain", "Arteixo", None, None),
    ("SEAT", [], "Spain", "Martorell", None, None),
    ("Embraer", [], "Brazil", "São José dos Campos", None, None),
    ("Petrobras", [], "Brazil", "Rio de Janeiro", None, None),
    ("Gazprom", [], "Russia", "Saint Petersburg", None, None),
    ("Lada", ["AvtoVAZ"], "Russia", "Tolyatti", None, None),
    ("Kalashnikov Concern", ["Kalashnikov"], "Russia", "Izhevsk", None, None),
    ("CD Projekt", ["CD Projekt Red"], "Poland", "Warsaw", None, None),
    ("Cemex", [], "Mexico", None, None, None),
    ("Qantas", [], "Australia", "Sydney", None, None),
    ("Saudi Aramco", ["Aramco"], "Saudi Arabia", "Dhahran", None, None),
]
for _label, _aliases, _country, _hq, _founder, _ceo in COMPANIES:
    entity(_label, "company", _aliases)
    fact(_label, "country of origin", _country)
    if _hq:
        assert _hq in ENTITIES, f"{_label}: unknown headquarters {_hq}"
        fact(_label, "headquarters location", _hq)
    if _founder:
        entity(_founder, "person")
        fact(_label, "founder", _founder)
    if _ceo:
        entity(_ceo, "person")
        fact(_label, "CEO", _ceo)

# Products, with the company that makes them (hardware, cars, drinks) or develops them (software,
# games). A product whose name contains the company's name is left out.
MANUFACTURED = [
    # label, mention, aliases, manufacturer
    ("Corolla", "the Corolla", ["Toyota Corolla"], "Toyota"),
    ("Camry", "the Camry", ["Toyota Camry"], "Toyota"),
    ("Prius", "the Prius", ["Toyota Prius"], "Toyota"),
    ("Land Cruiser", "the Land Cruiser", [], "Toyota"),
    ("Civic", "the Civic", ["Honda Civic"], "Honda"),
    ("Accord", "the Accord", ["Honda Accord"], "Honda"),
    ("Walkman", "the Walkman", [], "Sony"),
    ("PlayStation", "the PlayStation", [], "Sony"),
    ("Game Boy", "the Game Boy", [], "Nintendo"),
    ("Wii", "the Wii", [], "Nintendo"),
    ("Qashqai", "the Qashqai", ["Nissan Qashqai"], "Nissan"),
    ("Elantra", "the Elantra", ["Hyundai Elantra"], "Hyundai"),
    ("Sportage", "the Sportage", ["Kia Sportage"], "Kia"),
    ("Beetle", "the Beetle", ["Volkswagen Beetle", "Käfer"], "Volkswagen"),
    ("Passat", "the Passat", [], "Volkswagen"),
    ("Testarossa", "the Testarossa", [], "Ferrari"),
    ("Countach", "the Countach", [], "Lamborghini"),
    ("Vespa", "the Vespa", [], "Piaggio"),
    ("Clio", "the Clio", ["Renault Clio"], "Renault"),
    ("Octavia", "the Octavia", ["Škoda Octavia"], "Škoda Auto"),
    ("Model T", "the Model T", ["Ford Model T"], "Ford"),
    ("Mustang", "the Mustang", ["Ford Mustang"], "Ford"),
    ("F-150", "the F-150", ["Ford F-150"], "Ford"),
    ("Corvette", "the Corvette", ["Chevrolet Corvette"], "Chevrolet"),
    ("Camaro", "the Camaro", [], "Chevrolet"),
    ("Model S", "the Model S", ["Tesla Model S"], "Tesla"),
    ("Cybertruck", "the Cybertruck", [], "Tesla"),
    ("Falcon 9", "the Falcon 9", [], "SpaceX"),
    ("747", "the 747", ["Boeing 747", "Jumbo Jet"], "Boeing"),
    ("Barbie", None, [], "Mattel"),
    ("Nutella", None, [], "Ferrero"),
    ("Fanta", None, [], "Coca-Cola"),
    ("Sprite", None, [], "Coca-Cola"),
    ("Aspirin", None, [], "Bayer"),
    ("Big Mac", "the Big Mac", [], "McDonald's"),
    ("Billy bookcase", "the Billy bookcase", ["Billy"], "IKEA"),
]
for _label, _mention, _aliases, _maker in MANUFACTURED:
    entity(_label, "product", _aliases, _mention)
    fact(_label, "manufacturer", _maker)

DEVELOPED = [
    ("Windows", None, ["Microsoft Windows"], "Microsoft"),
    ("Xbox", "the Xbox", [], "Microsoft"),
    ("Excel", None, ["Microsoft Excel"], "Microsoft"),
    ("iPhone", "the iPhone", [], "Apple"),
    ("iPad", "the iPad", [], "Apple"),
    ("macOS", None, ["Mac OS X", "OS X"], "Apple"),
    ("Android", None, [], "Google"),
    ("Gmail", None, [], "Google"),
    ("Chrome", None, ["Google Chrome"], "Google"),
    ("Super Mario Bros.", None, ["Super Mario Bros"], "Nintendo"),
    ("The Legend of Zelda", None, ["Zelda"], "Nintendo"),
    ("Pac-Man", None, ["Pacman"], "Namco"),
    ("Sonic the Hedgehog", None, [], "Sega"),
    ("Street Fighter", None, [], "Capcom"),
    ("Minecraft", None, [], "Mojang"),
    ("Angry Birds", None, [], "Rovio"),
    ("The Witcher 3", None, ["The Witcher 3: Wild Hunt"], "CD Projekt"),
    ("Fortnite", None, [], "Epic Games"),
    ("Photoshop", None, ["Adobe Photoshop"], "Adobe"),
    ("Instagram", None, [], "Meta Platforms"),
    ("WhatsApp", None, [], "Meta Platforms"),
    ("ChatGPT", None, [], "OpenAI"),
    ("Kindle", "the Kindle", ["Amazon Kindle"], "Amazon"),
    ("Alexa", None, ["Amazon Alexa"], "Amazon"),
    ("WeChat", None, ["Weixin"], "Tencent"),
    ("GeForce", None, [], "Nvidia"),
    ("CUDA", None, [], "Nvidia"),
]
for _label, _mention, _aliases, _dev in DEVELOPED:
    entity(_label, "product", _aliases, _mention)
    fact(_label, "developer", _dev)

# ----------------------------------------------------------------------------------------------------
# People: country of citizenship (only people with one citizenship, modern states), parents, spouses.

PERSON_ALIASES = {
    "Kiichiro Toyoda": ["Kiichirō Toyoda"], "Soichiro Honda": ["Sōichirō Honda"],
    "Fusajiro Yamauchi": ["Fusajirō Yamauchi"], "Kōnosuke Matsushita": ["Konosuke Matsushita"],
    "Lee Byung-chul": [], "Chung Ju-yung": [], "Ren Zhengfei": [], "Ferdinand Porsche": [],
    "Adolf Dassler": ["Adi Dassler"], "Rudolf Dassler": [], "Robert Bosch": [], "Coco Chanel": ["Gabrielle Chanel"],
    "André Citroën": ["Andre Citroen"], "Enzo Ferrari": [], "Ferruccio Lamborghini": [],
    "Guccio Gucci": [], "Ingvar Kamprad": [], "Erling Persson": [], "Gerard Adriaan Heineken": [],
    "Ole Kirk Christiansen": [], "J. C. Jacobsen": ["Jacob Christian Jacobsen"],
    "Jeff Bezos": ["Jeffrey Bezos"], "Henry Ford": [], "Sam Walton": [], "Michael Dell": [],
    "William Boeing": ["William E. Boeing"], "Elon Musk": [],
    "James Dyson": ["Sir James Dyson"], "Satya Nadella": [], "Sundar Pichai": [], "Jensen Huang": [],
    "Mark Zuckerberg": [],
}
for _label, _aliases in PERSON_ALIASES.items():
    ENTITIES[_label]["aliases"] = list(_aliases)

CITIZENSHIP = {
    # founders
    "Kiichiro Toyoda": "Japan", "Soichiro Honda": "Japan", "Fusajiro Yamauchi": "Japan",
    "Kōnosuke Matsushita": "Japan", "Lee Byung-chul": "South Korea", "Chung Ju-yung": "South Korea",
    "Ren Zhengfei": "China", "Adolf Dassler": "Germany", "Rudolf Dassler": "Germany",
    "Robert Bosch": "Germany", "Coco Chanel": "France", "André Citroën": "France",
    "Enzo Ferrari": "Italy", "Ferruccio Lamborghini": "Italy", "Guccio Gucci": "Italy",
    "Ingvar Kamprad": "Sweden", "Erling Persson": "Sweden", "Gerard Adriaan Heineken": "Netherlands",
    "Ole Kirk Christiansen": "Denmark", "J. C. Jacobsen": "Denmark", "Jeff Bezos": "United States",
    "Henry Ford": "United States", "Sam Walton": "United States", "Michael Dell": "United States",
    "William Boeing": "United States", "Richard Branson": "United Kingdom",
    "James Dyson": "United Kingdom", "Mark Zuckerberg": "United States",
    # others
    "Bill Gates": "United States", "Steve Jobs": "United States", "Jack Ma": "China",
    "Vladimir Putin": "Russia", "Angela Merkel": "Germany", "Emmanuel Macron": "France",
    "Justin Trudeau": "Canada", "Narendra Modi": "India", "Xi Jinping": "China", "Shinzo Abe": "Japan",
    "Nelson Mandela": "South Africa", "Jacinda Ardern": "New Zealand", "Greta Thunberg": "Sweden",
    "Cristiano Ronaldo": "Portugal", "Neymar": "Brazil", "Pelé": "Brazil", "Diego Maradona": "Argentina",
    "Kylian Mbappé": "France", "Rafael Nadal": "Spain", "Novak Djokovic": "Serbia",
    "Usain Bolt": "Jamaica", "Zlatan Ibrahimović": "Sweden", "Robert Lewandowski": "Poland",
    "Luciano Pavarotti": "Italy", "Penélope Cruz": "Spain", "Pablo Picasso": "Spain",
    "Salvador Dalí": "Spain", "Vincent van Gogh": "Netherlands", "Frida Kahlo": "Mexico",
    "Hayao Miyazaki": "Japan", "Akira Kurosawa": "Japan", "Bong Joon-ho": "South Korea",
    "Guillermo del Toro": "Mexico", "Steven Spielberg": "United States",
    "Quentin Tarantino": "United States", "Francis Ford Coppola": "United States",
    "Sofia Coppola": "United States", "George Lucas": "United States", "Federico Fellini": "Italy",
    "Roberto Benigni": "Italy", "Ingmar Bergman": "Sweden", "Jean-Pierre Jeunet": "France",
    "J. K. Rowling": "United Kingdom", "Stephen King": "United States", "Haruki Murakami": "Japan",
    "Gabriel García Márquez": "Colombia", "Paulo Coelho": "Brazil", "J. R. R. Tolkien": "United Kingdom",
    "George Orwell": "United Kingdom", "Agatha Christie": "United Kingdom", "Dan Brown": "United States",
    "Stieg Larsson": "Sweden", "Astrid Lindgren": "Sweden", "Victor Hugo": "France", "Umberto Eco": "Italy",
    "Ernest Hemingway": "United States", "F. Scott Fitzgerald": "United States",
    "Harper Lee": "United States", "Chinua Achebe": "Nigeria", "Antoine de Saint-Exupéry": "France",
    "Albert Camus": "France", "Jules Verne": "France", "Mark Twain": "United States",
    "Psy": "South Korea", "Shakira": "Colombia", "Rihanna": "Barbados", "Björk": "Iceland",
    "Ed Sheeran": "United Kingdom", "Adele": "United Kingdom", "Justin Bieber": "Canada",
    "Celine Dion": "Canada", "Elton John": "United Kingdom", "David Bowie": "United Kingdom",
    "John Lennon": "United Kingdom", "Amy Winehouse": "United Kingdom", "Édith Piaf": "France",
    "Kyu Sakamoto": "Japan", "Nena": "Germany", "Domenico Modugno": "Italy", "Andrea Bocelli": "Italy",
    "Elvis Presley": "United States", "Michael Jackson": "United States", "Beyoncé": "United States",
    "Jay-Z": "United States", "Madonna": "United States", "Bob Dylan": "United States",
    "Bruce Springsteen": "United States", "Eminem": "United States", "Lady Gaga": "United States",
    "Taylor Swift": "United States", "Dolly Parton": "United States", "Miley Cyrus": "United States",
    "Prince": "United States",
}
CITIZEN_ALIASES = {
    "Bill Gates": ["William Henry Gates"], "Steve Jobs": ["Steven Jobs"], "Jack Ma": ["Ma Yun"],
    "Vladimir Putin": [], "Angela Merkel": [], "Emmanuel Macron": [], "Justin Trudeau": [],
    "Narendra Modi": [], "Xi Jinping": [], "Shinzo Abe": ["Shinzō Abe"], "Nelson Mandela": [],
    "Pelé": ["Pele", "Edson Arantes do Nascimento"], "Neymar": ["Neymar Jr"], "Kylian Mbappé": ["Kylian Mbappe"],
    "Novak Djokovic": ["Novak Đoković"], "Zlatan Ibrahimović": ["Zlatan Ibrahimovic"],
    "Penélope Cruz": ["Penelope Cruz"], "Salvador Dalí": ["Salvador Dali"],
    "Gabriel García Márquez": ["Gabriel Garcia Marquez", "García Márquez"], "J. K. Rowling": ["J.K. Rowling", "JK Rowling"],
    "J. R. R. Tolkien": ["J.R.R. Tolkien", "JRR Tolkien"], "George Orwell": ["Eric Arthur Blair"],
    "F. Scott Fitzgerald": ["F.Scott Fitzgerald", "Scott Fitzgerald"], "Antoine de Saint-Exupéry": ["Saint-Exupéry", "Saint-Exupery"],
    "Psy": ["PSY", "Park Jae-sang"], "Beyoncé": ["Beyonce", "Beyoncé Knowles", "Beyoncé Knowles-Carter"],
    "Jay-Z": ["Jay Z", "Shawn Carter"], "Celine Dion": ["Céline Dion"], "Björk": ["Bjork"],
    "Édith Piaf": ["Edith Piaf"], "Eminem": ["Marshall Mathers"], "Lady Gaga": ["Stefani Germanotta"],
    "Elvis Presley": ["Elvis"], "Kyu Sakamoto": ["Kyū Sakamoto"], "Bong Joon-ho": ["Bong Joon Ho"],
    "Prince": ["Prince Rogers Nelson"], "Mark Twain": ["Samuel Clemens"],
}
for _person, _country in CITIZENSHIP.items():
    entity(_person, "person", CITIZEN_ALIASES.get(_person, ()))
    fact(_person, "country of citizenship", _country)

FAMILY_ALIASES = {
    "Prince William": ["William, Prince of Wales", "Prince William of Wales"],
    "Prince Harry": ["Prince Harry, Duke of Sussex", "Harry, Duke of Sussex"],
    "Prince George of Wales": ["Prince George"],
    "Princess Charlotte of Wales": ["Princess Charlotte"],
    "Kate Middleton": ["Catherine, Princess of Wales", "Catherine Middleton", "Princess Catherine"],
    "Princess Diana": ["Diana, Princess of Wales", "Lady Diana Spencer", "Diana Spencer"],
    "John Spencer, 8th Earl Spencer": ["Earl Spencer", "John Spencer"],
    "Frances Shand Kydd": ["Frances Spencer"],
    "Michael Middleton": [], "Carole Middleton": [],
    "George VI": ["King George VI"],
    "Queen Elizabeth The Queen Mother": ["Elizabeth Bowes-Lyon", "the Queen Mother"],
    "Prince Andrew of Greece and Denmark": [],
    "Princess Alice of Battenberg": ["Princess Andrew of Greece"],
    "Queen Victoria": [],
    "Prince Albert": ["Albert, Prince Consort", "Prince Albert of Saxe-Coburg and Gotha"],
    "Edward VII": ["King Edward VII"],
    "Elizabeth I": ["Queen Elizabeth I"], "Edward VI": ["King Edward VI"],
    "Henry VIII": ["King Henry VIII"], "Anne Boleyn": [], "Jane Seymour": [],
    "Elizabeth of York": [],
    "Barack Obama": ["Barack Hussein Obama", "President Obama"],
    "Michelle Obama": ["Michelle Robinson"], "Malia Obama": [], "Sasha Obama": [],
    "Barack Obama Sr.": [], "Ann Dunham": ["Stanley Ann Dunham"],
    "Fraser Robinson III": ["Fraser Robinson"], "Marian Robinson": [],
    "Bill Clinton": ["William Jefferson Clinton", "President Clinton"],
    "Hillary Clinton": ["Hillary Rodham Clinton", "Hillary Rodham"], "Chelsea Clinton": [],
    "Virginia Clinton Kelley": ["Virginia Kelley"], "William Jefferson Blythe Jr.": [],
    "Hugh Rodham": [], "Dorothy Rodham": ["Dorothy Howell Rodham"],
    "George W. Bush": [], "George H. W. Bush": [], "Barbara Bush": [], "Laura Bush": [],
    "Prescott Bush": [], "Dorothy Walker Bush": [],
    "John F. Kennedy": ["JFK", "John Fitzgerald Kennedy", "President Kennedy"],
    "Jacqueline Kennedy": ["Jacqueline Kennedy Onassis", "Jackie Kennedy", "Jackie Onassis"],
    "Caroline Kennedy": [], "Joseph P. Kennedy Sr.": ["Joseph Kennedy", "Joe Kennedy"],
    "Rose Kennedy": ["Rose Fitzgerald Kennedy"],
    "Lisa Marie Presley": [], "Priscilla Presley": [], "Vernon Presley": [], "Gladys Presley": [],
    "Marie Curie": ["Marie Skłodowska-Curie", "Maria Skłodowska", "Madame Curie"],
    "Pierre Curie": [], "Irène Joliot-Curie": ["Irene Joliot-Curie"], "Ève Curie": ["Eve Curie"],
    "Frédéric Joliot-Curie": ["Frederic Joliot-Curie"], "Eugène Curie": [],
    "Władysław Skłodowski": [],
    "Janet Jackson": [], "Joe Jackson": ["Joseph Jackson"], "Katherine Jackson": [],
    "Mathew Knowles": [], "Tina Knowles": ["Tina Knowles-Lawson"], "Blue Ivy Carter": ["Blue Ivy"],
    "Solange Knowles": ["Solange"],
    "Eleanor Coppola": [], "Carmine Coppola": [], "Italia Coppola": [],
    "Jaden Smith": [], "Willow Smith": [], "Will Smith": [], "Jada Pinkett Smith": [],
    "Billy Ray Cyrus": [], "Tish Cyrus": [],
    "Brooklyn Beckham": [], "David Beckham": [], "Victoria Beckham": ["Posh Spice"],
    "Cherry Seaborn": [], "Hailey Bieber": ["Hailey Baldwin"], "René Angélil": ["Rene Angelil"],
    "Carl Thomas Dean": ["Carl Dean"], "Blake Fielder-Civil": [], "Yoko Ono": [],
    "Alfred Lennon": ["Freddie Lennon", "Alf Lennon"], "Julia Lennon": [], "Sean Lennon": ["Sean Ono Lennon"],
    "Julian Lennon": [], "Cynthia Lennon": ["Cynthia Powell"],
    "Priscilla Chan": [], "Diego Rivera": [],
}
for _label, _aliases in FAMILY_ALIASES.items():
    entity(_label, "person", _aliases)

PARENTS = [
    # child, father, mother
    ("Prince William", "Charles III", "Princess Diana"),
    ("Prince Harry", "Charles III", "Princess Diana"),
    ("Prince George of Wales", "Prince William", "Kate Middleton"),
    ("Princess Charlotte of Wales", "Prince William", "Kate Middleton"),
    ("Princess Diana", "John Spencer, 8th Earl Spencer", "Frances Shand Kydd"),
    ("Kate Middleton", "Michael Middleton", "Carole Middleton"),
    ("Elizabeth II", "George VI", "Queen Elizabeth The Queen Mother"),
    ("Prince Philip", "Prince Andrew of Greece and Denmark", "Princess Alice of Battenberg"),
    ("Edward VII", "Prince Albert", "Queen Victoria"),
    ("Elizabeth I", "Henry VIII", "Anne Boleyn"),
    ("Edward VI", "Henry VIII", "Jane Seymour"),
    ("Henry VIII", None, "Elizabeth of York"),  # father Henry VII left out: "Henry VII" is inside "Henry VIII"
    ("Malia Obama", "Barack Obama", "Michelle Obama"),
    ("Sasha Obama", "Barack Obama", "Michelle Obama"),
    ("Barack Obama", "Barack Obama Sr.", "Ann Dunham"),
    ("Michelle Obama", "Fraser Robinson III", "Marian Robinson"),
    ("Chelsea Clinton", "Bill Clinton", "Hillary Clinton"),
    ("Bill Clinton", "William Jefferson Blythe Jr.", "Virginia Clinton Kelley"),
    ("Hillary Clinton", "Hugh Rodham", "Dorothy Rodham"),
    ("George W. Bush", "George H. W. Bush", "Barbara Bush"),
    ("George H. W. Bush", "Prescott Bush", "Dorothy Walker Bush"),
    ("Caroline Kennedy", "John F. Kennedy", "Jacqueline Kennedy"),
    ("John F. Kennedy", "Joseph P. Kennedy Sr.", "Rose Kennedy"),
    ("Lisa Marie Presley", "Elvis Presley", "Priscilla Presley"),
    ("Elvis Presley", "Vernon Presley", "Gladys Presley"),
    ("Irène Joliot-Curie", "Pierre Curie", "Marie Curie"),
    ("Ève Curie", "Pierre Curie", "Marie Curie"),
    ("Pierre Curie", "Eugène Curie", None),
    ("Marie Curie", "Władysław Skłodowski", None),
    ("Michael Jackson", "Joe Jackson", "Katherine Jackson"),
    ("Janet Jackson", "Joe Jackson", "Katherine Jackson"),
    ("Beyoncé", "Mathew Knowles", "Tina Knowles"),
    ("Solange Knowles", "Mathew Knowles", "Tina Knowles"),
    ("Blue Ivy Carter", "Jay-Z", "Beyoncé"),
    ("Sofia Coppola", "Francis Ford Coppola", "Eleanor Coppola"),
    ("Francis Ford Coppola", "Carmine Coppola", "Italia Coppola"),
    ("Jaden Smith", "Will Smith", "Jada Pinkett Smith"),
    ("Willow Smith", "Will Smith", "Jada Pinkett Smith"),
    ("Miley Cyrus", "Billy Ray Cyrus", "Tish Cyrus"),
    ("Brooklyn Beckham", "David Beckham", "Victoria Beckham"),
    ("John Lennon", "Alfred Lennon", "Julia Lennon"),
    ("Sean Lennon", "John Lennon", "Yoko Ono"),
    ("Julian Lennon", "John Lennon", "Cynthia Lennon"),
]
for _child, _father, _mother in PARENTS:
    if _father:
        fact(_child, "father", _father)
    if _mother:
        fact(_child, "mother", _mother)

# Spouses, only where the person married once (a (spouse, spouse) pair is listed both ways when both
# married once).
SPOUSES = [
    ("Prince William", "Kate Middleton"), ("Kate Middleton", "Prince William"),
    ("Prince Harry", "Meghan Markle"),  # Meghan married twice: only Harry -> Meghan
    ("Princess Diana", "Charles III"),
    ("Elizabeth II", "Prince Philip"), ("Prince Philip", "Elizabeth II"),
    ("George VI", "Queen Elizabeth The Queen Mother"), ("Queen Elizabeth The Queen Mother", "George VI"),
    ("Queen Victoria", "Prince Albert"), ("Prince Albert", "Queen Victoria"),
    ("Anne Boleyn", "Henry VIII"), ("Jane Seymour", "Henry VIII"),
    ("Barack Obama", "Michelle Obama"), ("Michelle Obama", "Barack Obama"),
    ("Bill Clinton", "Hillary Clinton"), ("Hillary Clinton", "Bill Clinton"),
    ("George H. W. Bush", "Barbara Bush"), ("Barbara Bush", "George H. W. Bush"),
    ("George W. Bush", "Laura Bush"), ("Laura Bush", "George W. Bush"),
    ("John F. Kennedy", "Jacqueline Kennedy"),
    ("Joseph P. Kennedy Sr.", "Rose Kennedy"), ("Rose Kennedy", "Joseph P. Kennedy Sr."),
    ("Elvis Presley", "Priscilla Presley"), ("Priscilla Presley", "Elvis Presley"),
    ("Marie Curie", "Pierre Curie"), ("Pierre Curie", "Marie Curie"),
    ("Irène Joliot-Curie", "Frédéric Joliot-Curie"),
    ("Joe Jackson", "Katherine Jackson"), ("Katherine Jackson", "Joe Jackson"),
    ("Beyoncé", "Jay-Z"), ("Jay-Z", "Beyoncé"),
    ("Francis Ford Coppola", "Eleanor Coppola"), ("Eleanor Coppola", "Francis Ford Coppola"),
    ("Jada Pinkett Smith", "Will Smith"),
    ("David Beckham", "Victoria Beckham"), ("Victoria Beckham", "David Beckham"),
    ("Ed Sheeran", "Cherry Seaborn"), ("Cherry Seaborn", "Ed Sheeran"),
    ("Justin Bieber", "Hailey Bieber"), ("Hailey Bieber", "Justin Bieber"),
    ("Celine Dion", "René Angélil"),
    ("Dolly Parton", "Carl Thomas Dean"), ("Carl Thomas Dean", "Dolly Parton"),
    ("Amy Winehouse", "Blake Fielder-Civil"),
    ("Mark Zuckerberg", "Priscilla Chan"), ("Priscilla Chan", "Mark Zuckerberg"),
    ("Frida Kahlo", "Diego Rivera"),  # Kahlo married Rivera twice; Rivera married several times
    # the monarchs' parents and spouses (MONARCHS above), where they married once
    ("Akihito", "Empress Michiko"), ("Empress Michiko", "Akihito"), ("Empress Masako", "Naruhito"),
    ("Juan Carlos I", "Queen Sofía"), ("Queen Sofía", "Juan Carlos I"),
    ("Queen Silvia", "Carl XVI Gustaf"),
    ("Prince Gustaf Adolf, Duke of Västerbotten", "Princess Sibylla of Saxe-Coburg and Gotha"),
    ("Princess Sibylla of Saxe-Coburg and Gotha", "Prince Gustaf Adolf, Duke of Västerbotten"),
    ("Olav V", "Crown Princess Märtha"), ("Crown Princess Märtha", "Olav V"), ("Queen Sonja", "Harald V"),
    ("Prince Henrik of Denmark", "Margrethe II"), ("Margrethe II", "Prince Henrik of Denmark"),
    ("Queen Mary of Denmark", "Frederik X"),
    ("Prince Claus of the Netherlands", "Beatrix of the Netherlands"),
    ("Beatrix of the Netherlands", "Prince Claus of the Netherlands"), ("Queen Máxima", "Willem-Alexander"),
    ("Albert II of Belgium", "Queen Paola"), ("Queen Paola", "Albert II of Belgium"),
    ("Queen Mathilde", "Philippe of Belgium"),
    ("Bhumibol Adulyadej", "Queen Sirikit"), ("Queen Sirikit", "Bhumibol Adulyadej"),
    ("Queen Rania", "Abdullah II of Jordan"), ("Princess Muna al-Hussein", "Hussein of Jordan"),
    ("Norodom Monineath", "Norodom Sihanouk"),
    ("John Lennon", "Yoko Ono"),  # MULTI_VALUED: Lennon was also married to Cynthia Lennon (1962-68)
]
entity("Meghan Markle", "person", ["Meghan, Duchess of Sussex", "Meghan"])
for _a, _b in SPOUSES:
    if _b:
        entity(_b, "person")
        fact(_a, "spouse", _b)

# Subjects whose relation really has more than one value; the fact kept is the one in the paper's
# running example. The README lists these.
# A chain may use such a fact only from the e1s listed.
MULTI_VALUED = {("John Lennon", "spouse"): {"note": "also married to Cynthia Lennon (1962-1968)",
                                            "only_from": ["Imagine"]}}

# ----------------------------------------------------------------------------------------------------
# Culture: songs (performer), bands (country of origin), books (author), films (director), dishes and
# traditions (country of origin).

BANDS = [
    ("ABBA", [], "Sweden"), ("The Beatles", ["Beatles"], "United Kingdom"),
    ("The Rolling Stones", ["Rolling Stones"], "United Kingdom"), ("Queen", [], "United Kingdom"),
    ("Led Zeppelin", [], "United Kingdom"), ("Pink Floyd", [], "United Kingdom"),
    ("Oasis", [], "United Kingdom"), ("Coldplay", [], "United Kingdom"),
    ("Radiohead", [], "United Kingdom"), ("U2", [], "Ireland"), ("The Cranberries", ["Cranberries"], "Ireland"),
    ("Nirvana", [], "United States"), ("Metallica", [], "United States"), ("Eagles", ["The Eagles"], "United States"),
    ("Red Hot Chili Peppers", [], "United States"), ("AC/DC", [], "Australia"),
    ("Rammstein", [], "Germany"), ("Kraftwerk", [], "Germany"), ("Scorpions", [], "Germany"),
    ("Daft Punk", [], "France"), ("a-ha", ["A-ha", "aha"], "Norway"), ("Roxette", [], "Sweden"),
    ("Måneskin", ["Maneskin"], "Italy"), ("Blackpink", ["BLACKPINK"], "South Korea"),
]
for _label, _aliases, _country in BANDS:
    entity(_label, "band", _aliases)
    fact(_label, "country of origin", _country)

SONGS = [
    # song, performer
    ("Imagine", "John Lennon"), ("Billie Jean", "Michael Jackson"), ("Thriller", "Michael Jackson"),
    ("Beat It", "Michael Jackson"), ("Like a Prayer", "Madonna"), ("Material Girl", "Madonna"),
    ("Purple Rain", "Prince"), ("Halo", "Beyoncé"), ("Single Ladies", "Beyoncé"),
    ("Irreplaceable", "Beyoncé"), ("99 Problems", "Jay-Z"), ("Heartbreak Hotel", "Elvis Presley"),
    ("Jailhouse Rock", "Elvis Presley"), ("Love Yourself", "Justin Bieber"),
    ("Shape of You", "Ed Sheeran"), ("Perfect", "Ed Sheeran"), ("Thinking Out Loud", "Ed Sheeran"),
    ("Rolling in the Deep", "Adele"), ("Someone Like You", "Adele"), ("Skyfall", "Adele"),
    ("My Heart Will Go On", "Celine Dion"), ("Diamonds", "Rihanna"), ("Gangnam Style", "Psy"),
    ("Whenever, Wherever", "Shakira"), ("Like a Rolling Stone", "Bob Dylan"),
    ("Blowin' in the Wind", "Bob Dylan"), ("Born to Run", "Bruce Springsteen"),
    ("Lose Yourself", "Eminem"), ("Poker Face", "Lady Gaga"), ("Bad Romance", "Lady Gaga"),
    ("Shake It Off", "Taylor Swift"), ("Blank Space", "Taylor Swift"), ("Rocket Man", "Elton John"),
    ("Your Song", "Elton John"), ("Space Oddity", "David Bowie"), ("Starman", "David Bowie"),
    ("Non, je ne regrette rien", "Édith Piaf"), ("La Vie en rose", "Édith Piaf"),
    ("Sukiyaki", "Kyu Sakamoto"), ("99 Luftballons", "Nena"), ("Nel blu dipinto di blu", "Domenico Modugno"),
    ("Con te partirò", "Andrea Bocelli"), ("Army of Me", "Björk"), ("Jolene", "Dolly Parton"),
    ("9 to 5", "Dolly Parton"), ("Rehab", "Amy Winehouse"), ("Back to Black", "Amy Winehouse"),
    ("Wrecking Ball", "Miley Cyrus"), ("Flowers", "Miley Cyrus"),
    ("Dancing Queen", "ABBA"), ("Waterloo", "ABBA"), ("Mamma Mia", "ABBA"), ("Hey Jude", "The Beatles"),
    ("Yesterday", "The Beatles"), ("Let It Be", "The Beatles"),
    ("(I Can't Get No) Satisfaction", "The Rolling Stones"), ("Paint It Black", "The Rolling Stones"),
    ("Bohemian Rhapsody", "Queen"), ("We Will Rock You", "Queen"), ("Stairway to Heaven", "Led Zeppelin"),
    ("Comfortably Numb", "Pink Floyd"), ("Wonderwall", "Oasis"), ("Viva la Vida", "Coldplay"),
    ("Yellow", "Coldplay"), ("Karma Police", "Radiohead"), ("With or Without You", "U2"),
    ("Sunday Bloody Sunday", "U2"), ("Zombie", "The Cranberries"), ("Smells Like Teen Spirit", "Nirvana"),
    ("Enter Sandman", "Metallica"), ("Hotel California", "Eagles"),
    ("Californication", "Red Hot Chili Peppers"), ("Highway to Hell", "AC/DC"), ("Back in Black", "AC/DC"),
    ("Du hast", "Rammstein"), ("Das Model", "Kraftwerk"), ("Wind of Change", "Scorpions"),
    ("One More Time", "Daft Punk"), ("Take On Me", "a-ha"), ("It Must Have Been Love", "Roxette"),
    ("Zitti e buoni", "Måneskin"), ("How You Like That", "Blackpink"),
]
SONG_ALIASES = {"Nel blu dipinto di blu": ["Volare"], "Single Ladies": ["Single Ladies (Put a Ring on It)"],
                "Sukiyaki": ["Ue o Muite Arukō"], "Con te partirò": ["Time to Say Goodbye"],
                "(I Can't Get No) Satisfaction": ["Satisfaction"]}
for _song, _performer in SONGS:
    entity(_song, "song", SONG_ALIASES.get(_song, ()))
    assert _performer in ENTITIES, _performer
    fact(_song, "performer", _performer)

BOOKS = [
    ("Harry Potter", "J. K. Rowling"), ("The Shining", "Stephen King"), ("Carrie", "Stephen King"),
    ("Kafka on the Shore", "Haruki Murakami"), ("1Q84", "Haruki Murakami"),
    ("One Hundred Years of Solitude", "Gabriel García Márquez"),
    ("Love in the Time of Cholera", "Gabriel García Márquez"), ("The Alchemist", "Paulo Coelho"),
    ("The Hobbit", "J. R. R. Tolkien"), ("The Lord of the Rings", "J. R. R. Tolkien"),
    ("Nineteen Eighty-Four", "George Orwell"), ("Animal Farm", "George Orwell"),
    ("Murder on the Orient Express", "Agatha Christie"), ("The Da Vinci Code", "Dan Brown"),
    ("The Girl with the Dragon Tattoo", "Stieg Larsson"), ("Pippi Longstocking", "Astrid Lindgren"),
    ("Les Misérables", "Victor Hugo"), ("The Hunchback of Notre-Dame", "Victor Hugo"),
    ("The Name of the Rose", "Umberto Eco"), ("The Old Man and the Sea", "Ernest Hemingway"),
    ("The Great Gatsby", "F. Scott Fitzgerald"), ("To Kill a Mockingbird", "Harper Lee"),
    ("Things Fall Apart", "Chinua Achebe"), ("The Little Prince", "Antoine de Saint-Exupéry"),
    ("The Stranger", "Albert Camus"), ("Around the World in Eighty Days", "Jules Verne"),
    ("Twenty Thousand Leagues Under the Seas", "Jules Verne"),
    ("The Adventures of Tom Sawyer", "Mark Twain"),
]
BOOK_ALIASES = {"Nineteen Eighty-Four": ["1984"], "Les Misérables": ["Les Miserables"],
                "The Stranger": ["L'Étranger", "The Outsider"], "The Little Prince": ["Le Petit Prince"]}
for _book, _author in BOOKS:
    entity(_book, "book", BOOK_ALIASES.get(_book, ()))
    fact(_book, "author", _author)

FILMS = [
    ("Jurassic Park", "Steven Spielberg"), ("Jaws", "Steven Spielberg"),
    ("E.T. the Extra-Terrestrial", "Steven Spielberg"), ("Schindler's List", "Steven Spielberg"),
    ("Pulp Fiction", "Quentin Tarantino"), ("Kill Bill", "Quentin Tarantino"),
    ("Django Unchained", "Quentin Tarantino"), ("The Godfather", "Francis Ford Coppola"),
    ("Apocalypse Now", "Francis Ford Coppola"), ("Lost in Translation", "Sofia Coppola"),
    ("The Virgin Suicides", "Sofia Coppola"), ("Spirited Away", "Hayao Miyazaki"),
    ("My Neighbor Totoro", "Hayao Miyazaki"), ("Princess Mononoke", "Hayao Miyazaki"),
    ("Seven Samurai", "Akira Kurosawa"), ("Rashomon", "Akira Kurosawa"), ("Parasite", "Bong Joon-ho"),
    ("Pan's Labyrinth", "Guillermo del Toro"), ("The Shape of Water", "Guillermo del Toro"),
    ("La Dolce Vita", "Federico Fellini"), ("Life Is Beautiful", "Roberto Benigni"),
    ("The Seventh Seal", "Ingmar Bergman"), ("Star Wars", "George Lucas"),
    ("Amélie", "Jean-Pierre Jeunet"),
]
FILM_ALIASES = {"E.T. the Extra-Terrestrial": ["E.T."], "Amélie": ["Amelie"],
                "Life Is Beautiful": ["La vita è bella"]}
for _film, _director in FILMS:
    entity(_film, "film", FILM_ALIASES.get(_film, ()))
    fact(_film, "director", _director)

TRADITIONS = [
    # label, country of origin
    ("sushi", "Japan"), ("sake", "Japan"), ("kimchi", "South Korea"), ("bibimbap", "South Korea"),
    ("pizza", "Italy"), ("risotto", "Italy"), ("tiramisu", "Italy"), ("paella", "Spain"),
    ("gazpacho", "Spain"), ("tacos", "Mexico"), ("tequila", "Mexico"), ("guacamole", "Mexico"),
    ("pho", "Vietnam"), ("pad thai", "Thailand"), ("tom yum", "Thailand"), ("goulash", "Hungary"),
    ("feta", "Greece"), ("champagne", "France"), ("baguette", "France"), ("fondue", "Switzerland"),
    ("bratwurst", "Germany"), ("fish and chips", "United Kingdom"), ("poutine", "Canada"),
    ("dim sum", "China"), ("ceviche", "Peru"), ("Wiener schnitzel", "Austria"),
    ("Sachertorte", "Austria"), ("samba", "Brazil"), ("bossa nova", "Brazil"), ("flamenco", "Spain"),
    ("judo", "Japan"), ("karate", "Japan"), ("sumo", "Japan"), ("taekwondo", "South Korea"),
    ("sauna", "Finland"), ("haiku", "Japan"), ("manga", "Japan"), ("reggae", "Jamaica"),
    ("K-pop", "South Korea"),
]
for _label, _country in TRADITIONS:
    entity(_label, "tradition")
    fact(_label, "country of origin", _country)
