//! The fixed tables the generator draws from.
//!
//! Country weights follow the shape of an African and Middle-Eastern learner base: most rows from
//! a dozen countries, then a long tail. Each main country comes with the spellings real exports
//! hold: codes, local names and scripts, old names, mojibake, and cities typed as countries.

/// A country the generator writes, with the spellings it may use.
#[derive(Debug)]
pub struct CountryData {
    /// ISO 3166-1 alpha-2: the answer a correct resolver gives.
    pub alpha2: &'static str,
    /// Relative weight among learners.
    pub weight: u64,
    /// Spellings; the first is the common English name.
    pub spellings: &'static [&'static str],
    /// Cities, each with its spellings (first is canonical).
    pub cities: &'static [&'static [&'static str]],
}

macro_rules! c {
    ($a2:literal, $w:literal, [$($s:literal),+], [$([$($city:literal),+]),*]) => {
        CountryData { alpha2: $a2, weight: $w, spellings: &[$($s),+], cities: &[$(&[$($city),+]),*] }
    };
}

/// The main learner countries.
pub const MAIN_COUNTRIES: &[CountryData] = &[
    c!(
        "EG",
        2600,
        [
            "Egypt",
            "egypt ",
            "EGYPT",
            "EG",
            "EGY",
            "Arab Republic of Egypt",
            "Misr",
            "مصر",
            "Égypte",
            "Egypte"
        ],
        [
            [
                "Cairo",
                "cairo",
                "Al Qahirah",
                "القاهرة",
                "Cairo Governorate"
            ],
            ["Giza", "El-Giza", "Al Jizah", "Giza Governorate"],
            ["Alexandria", "alexandria", "Alex", "الإسكندرية"],
            ["6th of October City", "6th of October"],
            ["Maadi"],
            ["Mansoura", "El Mansoura"],
            ["Tanta"],
            ["Asyut", "Assiut"]
        ]
    ),
    c!(
        "NG",
        2000,
        [
            "Nigeria",
            "nigeria",
            "NIGERIA",
            "NG",
            "NGA",
            "Federal Republic of Nigeria",
            "Nigéria",
            "Lagos",
            "نيجيريا"
        ],
        [
            ["Lagos", "Lagos State", "lagos", "LAGOS"],
            ["Abuja", "FCT Abuja", "Abuja FCT"],
            ["Ibadan"],
            ["Kano"],
            ["Port Harcourt", "Port-Harcourt"],
            ["Enugu"],
            ["Benin City"],
            ["Ikeja"]
        ]
    ),
    c!(
        "GH",
        900,
        [
            "Ghana",
            "GHANA",
            "ghana",
            "GH",
            "GHA",
            "Republic of Ghana",
            "غانا"
        ],
        [
            ["Accra", "accra", "Greater Accra"],
            ["Kumasi"],
            ["Tamale"],
            ["Takoradi", "Sekondi-Takoradi"],
            ["Cape Coast"]
        ]
    ),
    c!(
        "KE",
        900,
        [
            "Kenya",
            "kenya",
            "KENYA",
            "KE",
            "KEN",
            "Republic of Kenya",
            "Nairobi",
            "كينيا"
        ],
        [
            ["Nairobi", "Nairobi CBD", "nairobi"],
            ["Mombasa"],
            ["Kisumu"],
            ["Nakuru"],
            ["Eldoret"]
        ]
    ),
    c!(
        "MA",
        700,
        [
            "Morocco",
            "Maroc",
            "MOROCCO",
            "MA",
            "MAR",
            "Kingdom of Morocco",
            "المغرب",
            "Marruecos"
        ],
        [
            ["Casablanca", "Casa", "الدار البيضاء"],
            ["Rabat"],
            ["Marrakesh", "Marrakech"],
            ["Fes", "Fez", "Fès"],
            ["Tangier", "Tanger"]
        ]
    ),
    c!(
        "ET",
        650,
        [
            "Ethiopia",
            "ETHIOPIA",
            "ET",
            "ETH",
            "ኢትዮጵያ",
            "Éthiopie",
            "Federal Democratic Republic of Ethiopia"
        ],
        [
            ["Addis Ababa", "Addis", "አዲስ አበባ", "Addis Abeba"],
            ["Bahir Dar"],
            ["Hawassa", "Awasa"],
            ["Mekelle"],
            ["Adama"]
        ]
    ),
    c!(
        "RW",
        500,
        ["Rwanda", "rwanda", "RW", "RWA", "Republic of Rwanda"],
        [
            ["Kigali", "kigali", "Kigali City"],
            ["Huye", "Butare"],
            ["Musanze"],
            ["Rubavu"]
        ]
    ),
    c!(
        "UG",
        500,
        [
            "Uganda",
            "UGANDA",
            "UG",
            "UGA",
            "Ouganda",
            "Republic of Uganda"
        ],
        [
            ["Kampala", "kampala"],
            ["Entebbe"],
            ["Gulu"],
            ["Jinja"],
            ["Mbarara"]
        ]
    ),
    c!(
        "ZA",
        450,
        [
            "South Africa",
            "south africa",
            "ZA",
            "ZAF",
            "RSA",
            "Republic of South Africa",
            "Afrique du Sud",
            "Suid-Afrika"
        ],
        [
            ["Johannesburg", "Joburg", "Jozi"],
            ["Cape Town", "Kaapstad"],
            ["Durban"],
            ["Pretoria", "Tshwane"]
        ]
    ),
    c!(
        "TN",
        300,
        ["Tunisia", "Tunisie", "TN", "TUN", "تونس"],
        [["Tunis"], ["Sfax"], ["Sousse"]]
    ),
    c!(
        "DZ",
        250,
        ["Algeria", "Algérie", "DZ", "DZA", "الجزائر"],
        [["Algiers", "Alger"], ["Oran"], ["Constantine"]]
    ),
    c!(
        "SN",
        250,
        ["Senegal", "Sénégal", "SN", "SEN"],
        [["Dakar"], ["Thiès", "Thies"], ["Saint-Louis"]]
    ),
    c!(
        "CI",
        220,
        [
            "Côte d'Ivoire",
            "Cote d'Ivoire",
            "Ivory Coast",
            "CI",
            "CIV",
            "CÃ´te d'Ivoire"
        ],
        [["Abidjan"], ["Yamoussoukro"], ["Bouaké"]]
    ),
    c!(
        "TZ",
        250,
        [
            "Tanzania",
            "United Republic of Tanzania",
            "TZ",
            "TZA",
            "Tanzanie"
        ],
        [["Dar es Salaam", "Dar"], ["Dodoma"], ["Arusha"], ["Mwanza"]]
    ),
    c!(
        "CM",
        180,
        ["Cameroon", "Cameroun", "CM", "CMR"],
        [["Douala"], ["Yaoundé", "Yaounde"]]
    ),
    c!(
        "JO",
        200,
        [
            "Jordan",
            "الأردن",
            "JO",
            "JOR",
            "Hashemite Kingdom of Jordan"
        ],
        [["Amman"], ["Irbid"], ["Zarqa"]]
    ),
    c!(
        "SA",
        180,
        [
            "Saudi Arabia",
            "KSA",
            "SA",
            "SAU",
            "السعودية",
            "Kingdom of Saudi Arabia"
        ],
        [["Riyadh"], ["Jeddah"], ["Dammam"]]
    ),
    c!(
        "AE",
        150,
        [
            "United Arab Emirates",
            "UAE",
            "AE",
            "ARE",
            "Dubai",
            "الإمارات"
        ],
        [["Dubai"], ["Abu Dhabi"], ["Sharjah"]]
    ),
    c!(
        "SD",
        150,
        ["Sudan", "SD", "SDN", "السودان"],
        [["Khartoum"], ["Omdurman"]]
    ),
    c!("SS", 60, ["South Sudan", "SS", "SSD"], [["Juba"]]),
    c!(
        "CD",
        120,
        [
            "DRC",
            "Democratic Republic of the Congo",
            "RDC",
            "CD",
            "COD",
            "Congo-Kinshasa",
            "Zaire"
        ],
        [["Kinshasa"], ["Lubumbashi"], ["Goma"]]
    ),
    c!(
        "CG",
        40,
        ["Republic of the Congo", "Congo-Brazzaville", "CG", "COG"],
        [["Brazzaville"], ["Pointe-Noire"]]
    ),
    c!(
        "NE",
        60,
        ["Niger", "NE", "NER", "Republic of the Niger"],
        [["Niamey"]]
    ),
    c!("ZM", 120, ["Zambia", "ZM", "ZMB"], [["Lusaka"], ["Kitwe"]]),
    c!(
        "ZW",
        120,
        ["Zimbabwe", "ZW", "ZWE"],
        [["Harare"], ["Bulawayo"]]
    ),
    c!(
        "PS",
        100,
        ["Palestine", "State of Palestine", "PS", "PSE", "فلسطين"],
        [["Gaza"], ["Ramallah"]]
    ),
    c!(
        "LB",
        80,
        ["Lebanon", "Liban", "LB", "LBN", "لبنان"],
        [["Beirut", "Beyrouth"]]
    ),
    c!(
        "SO",
        80,
        ["Somalia", "SO", "SOM"],
        [["Mogadishu"], ["Hargeisa"]]
    ),
    c!(
        "LY",
        60,
        ["Libya", "LY", "LBY", "ليبيا"],
        [["Tripoli"], ["Benghazi"]]
    ),
    c!(
        "SZ",
        40,
        ["Eswatini", "Swaziland", "SZ", "SWZ"],
        [["Mbabane"], ["Manzini"]]
    ),
    c!(
        "TR",
        60,
        ["Turkey", "Türkiye", "Turkiye", "TR", "TUR"],
        [["Istanbul"], ["Ankara"]]
    ),
];

/// The long tail: `alpha2;alpha3;English name`, separated by `|`.
pub const TAIL_COUNTRIES: &str = "AF;AFG;Afghanistan|AL;ALB;Albania|AD;AND;Andorra|AO;AGO;Angola|AG;ATG;Antigua and Barbuda|AR;ARG;Argentina|AM;ARM;Armenia|AU;AUS;Australia|AT;AUT;Austria|AZ;AZE;Azerbaijan|BS;BHS;Bahamas|BH;BHR;Bahrain|BD;BGD;Bangladesh|BB;BRB;Barbados|BY;BLR;Belarus|BE;BEL;Belgium|BZ;BLZ;Belize|BJ;BEN;Benin|BT;BTN;Bhutan|BO;BOL;Bolivia|BA;BIH;Bosnia and Herzegovina|BW;BWA;Botswana|BR;BRA;Brazil|BN;BRN;Brunei|BG;BGR;Bulgaria|BF;BFA;Burkina Faso|BI;BDI;Burundi|CV;CPV;Cabo Verde|KH;KHM;Cambodia|CA;CAN;Canada|CF;CAF;Central African Republic|TD;TCD;Chad|CL;CHL;Chile|CN;CHN;China|CO;COL;Colombia|KM;COM;Comoros|CR;CRI;Costa Rica|HR;HRV;Croatia|CU;CUB;Cuba|CY;CYP;Cyprus|CZ;CZE;Czechia|DK;DNK;Denmark|DJ;DJI;Djibouti|DM;DMA;Dominica|DO;DOM;Dominican Republic|EC;ECU;Ecuador|SV;SLV;El Salvador|GQ;GNQ;Equatorial Guinea|ER;ERI;Eritrea|EE;EST;Estonia|FJ;FJI;Fiji|FI;FIN;Finland|FR;FRA;France|GA;GAB;Gabon|GM;GMB;Gambia|GE;GEO;Georgia|DE;DEU;Germany|GR;GRC;Greece|GD;GRD;Grenada|GT;GTM;Guatemala|GN;GIN;Republic of Guinea|GW;GNB;Guinea-Bissau|GY;GUY;Guyana|HT;HTI;Haiti|HN;HND;Honduras|HU;HUN;Hungary|IS;ISL;Iceland|IN;IND;India|ID;IDN;Indonesia|IR;IRN;Iran|IQ;IRQ;Iraq|IE;IRL;Ireland|IL;ISR;Israel|IT;ITA;Italy|JM;JAM;Jamaica|JP;JPN;Japan|KZ;KAZ;Kazakhstan|KI;KIR;Kiribati|KW;KWT;Kuwait|KG;KGZ;Kyrgyzstan|LA;LAO;Laos|LV;LVA;Latvia|LS;LSO;Lesotho|LR;LBR;Liberia|LI;LIE;Liechtenstein|LT;LTU;Lithuania|LU;LUX;Luxembourg|MG;MDG;Madagascar|MW;MWI;Malawi|MY;MYS;Malaysia|MV;MDV;Maldives|ML;MLI;Mali|MT;MLT;Malta|MR;MRT;Mauritania|MU;MUS;Mauritius|MX;MEX;Mexico|MD;MDA;Moldova|MC;MCO;Monaco|MN;MNG;Mongolia|ME;MNE;Montenegro|MZ;MOZ;Mozambique|MM;MMR;Myanmar|NA;NAM;Namibia|NP;NPL;Nepal|NL;NLD;Netherlands|NZ;NZL;New Zealand|NI;NIC;Nicaragua|KP;PRK;North Korea|MK;MKD;North Macedonia|NO;NOR;Norway|OM;OMN;Oman|PK;PAK;Pakistan|PA;PAN;Panama|PG;PNG;Papua New Guinea|PY;PRY;Paraguay|PE;PER;Peru|PH;PHL;Philippines|PL;POL;Poland|PT;PRT;Portugal|QA;QAT;Qatar|RO;ROU;Romania|RU;RUS;Russia|WS;WSM;Samoa|AS;ASM;American Samoa|SM;SMR;San Marino|ST;STP;Sao Tome and Principe|RS;SRB;Serbia|SC;SYC;Seychelles|SL;SLE;Sierra Leone|SG;SGP;Singapore|SK;SVK;Slovakia|SI;SVN;Slovenia|SB;SLB;Solomon Islands|KR;KOR;South Korea|ES;ESP;Spain|LK;LKA;Sri Lanka|SR;SUR;Suriname|SE;SWE;Sweden|CH;CHE;Switzerland|SY;SYR;Syria|TW;TWN;Taiwan|TJ;TJK;Tajikistan|TH;THA;Thailand|TL;TLS;Timor-Leste|TG;TGO;Togo|TO;TON;Tonga|TT;TTO;Trinidad and Tobago|TM;TKM;Turkmenistan|UA;UKR;Ukraine|GB;GBR;United Kingdom|US;USA;United States|UY;URY;Uruguay|UZ;UZB;Uzbekistan|VU;VUT;Vanuatu|VE;VEN;Venezuela|VN;VNM;Vietnam|YE;YEM;Yemen|XK;XKX;Kosovo";

/// Country strings that are not resolvable to one country: they must end up null, never guessed.
pub const UNRESOLVABLE_COUNTRIES: &[&str] = &[
    "Congo",
    "Guinea",
    "Korea",
    "Africa",
    "Middle East",
    "Abroad",
    "xyz",
];

/// Given names, in several scripts.
pub const GIVEN_NAMES: &[&str] = &[
    "Amina",
    "Mohamed",
    "Fatma",
    "Ahmed",
    "Chinedu",
    "Ngozi",
    "Kwame",
    "Akosua",
    "Wanjiru",
    "Otieno",
    "Youssef",
    "Salma",
    "Abebe",
    "Hirut",
    "Aline",
    "Jean-Paul",
    "Grace",
    "Joseph",
    "Thandiwe",
    "Sipho",
    "Aïcha",
    "Moussa",
    "محمد",
    "فاطمة",
    "أحمد",
    "ሰላም",
    "ዳዊት",
    "Nour",
    "Omar",
    "Esther",
    "Ifeoma",
    "Kofi",
    "Zanele",
    "Léa",
];

/// Family names.
pub const FAMILY_NAMES: &[&str] = &[
    "Hassan",
    "Okafor",
    "Mensah",
    "Kamau",
    "El Amrani",
    "Tesfaye",
    "Uwimana",
    "Nakato",
    "Dlamini",
    "Ben Ali",
    "Diop",
    "Kouassi",
    "Mwangi",
    "Adeyemi",
    "Boateng",
    "O'Neil",
    "Abdallah",
    "Haile",
    "Ndlovu",
    "Traoré",
    "علي",
    "إبراهيم",
    "ገብረ",
    "Smith-Jones",
    "Nwosu",
    "Ochieng",
];

/// Canonical skills; the generator writes them in case and spacing variants.
pub const SKILLS: &[&str] = &[
    "Python",
    "SQL",
    "Data Analysis",
    "Machine Learning",
    "Excel",
    "Power BI",
    "Tableau",
    "JavaScript",
    "React",
    "Node.js",
    "HTML",
    "CSS",
    "Java",
    "C++",
    "C#",
    "Git",
    "Linux",
    "Cloud Computing",
    "AWS",
    "Azure",
    "Communication",
    "Project Management",
    "Leadership",
    "Teamwork",
    "Public Speaking",
    "Statistics",
    "R",
    "Deep Learning",
    "Data Visualization",
    "UI/UX Design",
    "Figma",
    "Digital Marketing",
    "SEO",
    "Content Writing",
    "Graphic Design",
    "Cybersecurity",
    "Networking",
    "Django",
    "Flask",
    "Docker",
    "Kubernetes",
    "Product Management",
    "Agile",
    "Scrum",
    "Entrepreneurship",
    "Sales",
    "Customer Service",
    "Financial Analysis",
    "Accounting",
    "Mobile Development",
    "Flutter",
    "Kotlin",
    "Swift",
    "PHP",
    "Laravel",
    "TypeScript",
    "MongoDB",
    "PostgreSQL",
    "Blockchain",
    "Critical Thinking",
];

/// Programmes and the prefix of their cohort ids.
pub const PROGRAMS: &[(&str, &str)] = &[
    ("Data Science", "DS"),
    ("Software Engineering", "SE"),
    ("Data Analytics", "DA"),
    ("Cloud Computing", "CC"),
    ("Product Design", "PD"),
    ("Digital Marketing", "DM"),
    ("Cybersecurity", "CY"),
    ("AI Career Essentials", "AICE"),
    ("Virtual Assistant", "VA"),
    ("Salesforce Administration", "SF"),
    ("Professional Foundations", "PF"),
    ("Front-End Development", "FE"),
];

/// First and last year of cohorts.
pub const COHORT_YEARS: (u32, u32) = (2021, 2025);

/// Fields of study.
pub const FIELDS_OF_STUDY: &[&str] = &[
    "Computer Science",
    "computer science",
    "Engineering",
    "Business Administration",
    "Economics",
    "Mathematics",
    "Statistics",
    "Information Technology",
    "Medicine",
    "Pharmacy",
    "Law",
    "Accounting",
    "Marketing",
    "Physics",
    "Agriculture",
    "Education",
    "English Literature",
    "Architecture",
    "Biology",
    "Chemistry",
    "علوم الحاسب",
];

/// (spelling, weight) of gender answers.
pub const GENDERS: &[(&str, u64)] = &[
    ("Male", 30),
    ("Female", 30),
    ("male", 8),
    ("female", 8),
    ("M", 6),
    ("F", 6),
    ("Prefer not to say", 3),
    ("-99", 4),
    ("", 3),
    ("Non-binary", 1),
    ("Other", 1),
];

/// (spelling, weight) of education levels.
pub const EDUCATION: &[(&str, u64)] = &[
    ("Bachelor's", 30),
    ("BSc", 8),
    ("Bachelors", 5),
    ("Master's", 12),
    ("MSc", 4),
    ("High School", 12),
    ("Diploma", 6),
    ("PhD", 2),
    ("-99", 8),
    ("", 5),
    ("Some secondary?", 1),
];

/// (spelling, weight) of employment statuses.
pub const EMPLOYMENT: &[(&str, u64)] = &[
    ("Employed", 25),
    ("Unemployed", 25),
    ("Self-employed", 8),
    ("Student", 20),
    ("employed", 4),
    ("Freelancer", 3),
    ("Intern", 2),
    ("-99", 8),
    ("", 5),
];

/// Enrollment statuses as exports write them.
pub const ENROLLMENT_STATUSES: &[&str] = &[
    "graduated",
    "completed",
    "in_progress",
    "active",
    "dropped",
    "Withdrawn",
    "deferred",
    "enrolled",
];

/// Bio fragments; some hold quotes, commas, emoji and several lines.
pub const BIO_PARTS: &[&str] = &[
    "Aspiring data scientist.",
    "I love solving problems, building things and learning.",
    "Software engineer with 3 years of experience.",
    "Passionate about \"tech for good\" 🚀",
    "Mother of two, career switcher.",
    "Previously worked in banking; now learning to code.",
    "مهتم بتحليل البيانات",
    "ፕሮግራሚንግ እወዳለሁ",
    "Fan of football ⚽ and chess ♟️",
    "Building a startup in agritech 🌱",
    "Looking for remote opportunities.",
    "Volunteer teacher, 'lifelong learner'.",
];
