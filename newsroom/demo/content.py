"""The demo's fictional coverage, as plain data: the series, the bylines, the photos' words, and the
pages with their key points, updates, callout and reader submissions. ``load.py`` stores it.

The story is invented: the Kestrel River floods the town of Alder Falls, covered by the equally
invented Valley Courier. There is one live page (live for two days, with drafts and a reader
callout), its French twin (the Courier's French desk covers the same flood for the valley's
francophone readers: the same news in its own words, a few minutes later), last month's recap of an
ice jam on the same river, and a draft page for what comes next.
"""

from datetime import time, timedelta

from liveblogs.models import ReaderSubmission, Update

TIME_ZONE = "America/Toronto"
COURIER = "Valley Courier"

SERIES = {
    "slug": "kestrel-valley-floods",
    "name": "Kestrel Valley Floods",
    "description": (
        "The Valley Courier's coverage of high water on the Kestrel River, from the spring ice "
        "to the cleanup."
    ),
}

BYLINES = [
    {
        "slug": "priya-vasquez-hale",
        "name": "Priya Vasquez-Hale",
        "role": "Senior writer",
        "bio": (
            "Covers Alder Falls town hall and anything the river does to it. "
            "Twelve years at the Courier."
        ),
    },
    {
        "slug": "tomas-lindgren-okoro",
        "name": "Tomas Lindgren-Okoro",
        "role": "Photographer",
        "bio": "Photographs the Kestrel valley in every season, usually from a canoe or a ladder.",
        "headshot": "headshot",
    },
    {
        "slug": "elodie-marchetti",
        "name": "Elodie Marchetti",
        "role": "Video journalist",
        "bio": "Shoots, cuts and narrates the Courier's video from the field.",
    },
    {
        "slug": "declan-abara",
        "name": "Declan Abara",
        "role": "Transit reporter",
        "bio": "Rides every bus route in the valley so readers know which ones are running.",
    },
    {
        "slug": "samir-oyelaran",
        "name": "Samir Oyelaran",
        "role": "Weather reporter",
        "bio": "Reads river gauges and radar for a living and explains them in plain words.",
    },
    {
        "slug": "ruth-kalinowski",
        "name": "Ruth Kalinowski",
        "role": "Wire reporter",
        "bio": "Files for the Valley Wire Service from the provincial capital.",
    },
]

# The French desk's reporter, on the French page.
FRENCH_BYLINE = {
    "slug": "mathilde-dufresne-caron",
    "name": "Mathilde Dufresne-Caron",
    "role": "Journaliste",
    "bio": "Couvre Alder Falls et la vallée de la Kestrel pour les lecteurs francophones du Courier.",
}
BYLINES.append(FRENCH_BYLINE)

# Who files to the live page. The wire reporter has no login and files through the desk.
DESK = [
    "priya-vasquez-hale",
    "tomas-lindgren-okoro",
    "elodie-marchetti",
    "declan-abara",
    "samir-oyelaran",
]
# The ``reporter`` login belongs to this byline.
REPORTER_LOGIN_BYLINE = "priya-vasquez-hale"


def credit(name):
    return f"{name}/{COURIER}"


PHOTOS = {
    "headshot": {
        "caption": "Tomas Lindgren-Okoro, photographer at the Valley Courier.",
        "credit": COURIER,
        "alt_text": "Portrait of a smiling man with short dark hair in a navy sweater.",
    },
    "main_street": {
        "caption": "Floodwater covers Water Street in downtown Alder Falls as rain keeps falling.",
        "credit": credit("Tomas Lindgren-Okoro"),
        "alt_text": (
            "A downtown street of brick shopfronts under brown water, a red car submerged to its "
            "windows and an orange Road Closed sign in the rain."
        ),
    },
    "bus_detour": {
        "caption": "A Route 12 bus takes the detour around downtown on Ridge Road after dark.",
        "credit": credit("Declan Abara"),
        "alt_text": (
            "A blue city bus with headlights on drives through standing water past a yellow "
            "Detour sign on a rainy night."
        ),
    },
    "sandbags": {
        "caption": "Volunteers stack sandbags on the Kestrel's east bank behind the fairgrounds.",
        "credit": credit("Tomas Lindgren-Okoro"),
        "alt_text": (
            "People in rain jackets stand in front of a long, waist-high wall of sandbags "
            "with green hills beyond."
        ),
    },
    "shelter": {
        "caption": "The Riverside Community Centre opened as an emergency shelter at dusk.",
        "credit": credit("Elodie Marchetti"),
        "alt_text": (
            "A two-storey building with every window lit and an Emergency Shelter sign over the "
            "door, people and two relief vans outside at dusk."
        ),
    },
    "rescue_boat": {
        "caption": "A fire department boat checks houses on Orchard Lane at first light.",
        "credit": credit("Tomas Lindgren-Okoro"),
        "alt_text": (
            "Two crew members in orange stand in a red rescue boat on a flooded street of houses "
            "under a pink morning sky."
        ),
    },
    "farmland": {
        "caption": (
            "Fields east of Alder Falls lie under water, with only fence posts and a barn roof "
            "showing."
        ),
        "credit": credit("Tomas Lindgren-Okoro"),
        "alt_text": (
            "A flooded farm field reflecting grey hills and clouds, a line of fence posts and "
            "a red barn roof poking out of the water."
        ),
    },
    "river_bridge": {
        "caption": (
            "The Kestrel runs high and fast under the Mill Street bridge, carrying branches and "
            "debris."
        ),
        "credit": credit("Tomas Lindgren-Okoro"),
        "alt_text": (
            "A three-arch concrete bridge with brown floodwater almost reaching the top of its "
            "arches and logs floating past."
        ),
    },
    "poster": {
        "scene": "rescue_boat",
        "seed": "poster",
        "caption": "Rescue crews on Orchard Lane, from the Courier's video.",
        "credit": credit("Elodie Marchetti"),
        "alt_text": "A red rescue boat with two crew members on a flooded residential street.",
    },
    # The French page's own photo: its words are French.
    "digue": {
        "scene": "sandbags",
        "seed": "digue",
        "caption": (
            "Des bénévoles renforcent la digue de sacs de sable sur la rive est de la Kestrel, "
            "derrière le terrain de la foire."
        ),
        "credit": credit("Tomas Lindgren-Okoro"),
        "alt_text": (
            "Des personnes en imperméable devant un long mur de sacs de sable à hauteur de "
            "taille, avec des collines vertes au loin."
        ),
    },
    "ice_jam": {
        "caption": "Slabs of ice pile up against the shore below Lower Town after the jam broke.",
        "credit": credit("Tomas Lindgren-Okoro"),
        "alt_text": (
            "Broken plates of white ice crowd a grey river beside a No Access sign, with a dark "
            "line of trees on the snowy far bank."
        ),
    },
}

VIDEO = {
    "url": "https://video.example.org/valley-courier/kestrel-flood-rescue-crews",
    "title": "On the water with Alder Falls' rescue crews",
    "description": (
        "Elodie Marchetti spent an afternoon aboard a fire department boat as crews checked every "
        "house on Orchard Lane for people who stayed behind."
    ),
    "duration": timedelta(minutes=1, seconds=52),
    "poster": "poster",
}

LIVE_PAGE = {
    "slug": "kestrel-river-flood-alder-falls",
    "title": "Kestrel River flood: Alder Falls evacuates low-lying streets as the river crests",
    "standfirst": (
        "The river rose more than two metres in a day. Follow the flood, the closures and where to "
        "get help as it happens."
    ),
}

# Key points are one line of rich text (bold, italic, links), as an editor makes them.
LIVE_KEY_POINTS = [
    "The Kestrel <strong>crested overnight at 6.02 metres</strong> at the Mill Street gauge, 14 cm "
    "below the 1981 record.",
    "About 1,900 people in Lower Town and the Millrace remain under an "
    '<a href="https://example.org/alder-falls/evacuation-map">evacuation order</a>.',
    "The Riverside Community Centre shelter is open around the clock, and <em>pets are "
    "welcome</em>.",
    "Water Street and the Mill Street bridge stay closed; buses on routes 4 and 12 are detoured.",
    "Has the flood reached your street? Tell our newsroom with the form on this page, or write to "
    '<a href="mailto:newsdesk@valley-courier.example">newsdesk@valley-courier.example</a>.',
]

# The first day's updates carry their local time; the second day's are spread evenly from the
# morning to a few minutes ago, so the page looks live whenever the command runs.
LIVE_UPDATES = [
    {
        "day": 1,
        "at": time(7, 10),
        "headline": "The Kestrel rose a metre overnight",
        "authors": ["samir-oyelaran"],
        "key_event": True,
        "photos": ["river_bridge"],
        "body": """
<p>The Kestrel River stood at 4.9 metres at the Mill Street gauge at 7 a.m., a metre higher than
at dusk and still climbing by about ten centimetres an hour.</p>
<p>Two days of heavy rain on snow in the hills upstream sent the water down the valley faster than
the conservation authority expected. Its <a href="https://example.org/kestrel/river-gauges">live
gauge readings</a> are updated every fifteen minutes.</p>
<p>We will follow the river, the closures and the response here all day.</p>
""",
    },
    {
        "day": 1,
        "at": time(8, 5),
        "headline": "Water Street closed as the river tops the seawall",
        "authors": ["declan-abara"],
        "key_event": True,
        "photos": ["main_street"],
        "body": """
<p>Town crews closed Water Street between the Mill Street bridge and Ferry Lane just before 8 a.m.,
when the river began spilling over the old stone seawall.</p>
<p>Shop owners spent the early morning moving stock upstairs. Several cars parked overnight were
already sitting in water to their wheel arches.</p>
<p>Drivers heading downtown should use Ridge Road instead.</p>
""",
    },
    {
        "day": 1,
        "at": time(8, 40),
        "headline": "Evacuation, shelter and road closures: where to find help",
        "authors": ["priya-vasquez-hale"],
        "pinned": True,
        "body": """
<p>This box stays at the top of the page while the flood lasts. We update it as things change.</p>
<ul>
<li><strong>Evacuation order:</strong> Lower Town and the Millrace, south of Canal Street. Check
your address on the <a href="https://example.org/alder-falls/evacuation-map">town's map</a>.</li>
<li><strong>Shelter:</strong> Riverside Community Centre, 40 Hillcrest Drive, open day and night.
Bring medication and ID; pets are welcome.</li>
<li><strong>Closed:</strong> Water Street, the Mill Street bridge and River Road north of the
marina.</li>
<li><strong>Non-emergency help:</strong> the town's flood line, 555-0142, answers around the
clock. In danger, call 911.</li>
</ul>
""",
    },
    {
        "day": 1,
        "at": time(9, 35),
        "headline": "Town declares a state of emergency",
        "authors": ["priya-vasquez-hale", "ruth-kalinowski"],
        "key_event": True,
        "body": """
<p>Alder Falls council declared a local state of emergency at an early meeting held by phone,
which lets the town hire equipment and crews without the usual tendering.</p>
<blockquote><p>We have not seen the river move this fast in my lifetime. Please take the warnings
seriously, and check on your neighbours, especially anyone who lives alone.</p></blockquote>
<p>That was Mayor Gwen Tallis speaking to reporters outside the town hall afterwards. She said the
province had been asked to put its emergency management team on standby.</p>
""",
    },
    {
        "day": 1,
        "at": time(10, 30),
        "headline": "Buses on routes 4 and 12 detoured around downtown",
        "authors": ["declan-abara"],
        "photos": ["bus_detour"],
        "body": """
<p>Alder Falls Transit has moved two routes off the flooded streets until further notice:</p>
<ol>
<li><strong>Route 4 Riverside</strong> skips Water Street and runs along Ridge Road, with a
temporary stop at the library.</li>
<li><strong>Route 12 Mill Street</strong> turns back at Canal Street and does not cross the
river.</li>
</ol>
<p>Every other route is running, with delays of up to twenty minutes. The agency posts changes on
its <a href="https://example.org/alder-falls-transit/service-alerts">service alerts page</a>.</p>
""",
    },
    {
        "day": 1,
        "at": time(11, 45),
        "headline": "Hundreds turn out to fill sandbags at the fairgrounds",
        "authors": ["tomas-lindgren-okoro"],
        "photos": ["sandbags"],
        "body": """
<p>The town asked for fifty volunteers this morning. By eleven, more than three hundred people
were shovelling sand into bags behind the fairgrounds grandstand.</p>
<p>A high-school rowing team carried the filled bags to the east bank in a human chain. The wall
they built runs roughly four hundred metres along the riverside trail.</p>
""",
    },
    {
        "day": 1,
        "at": time(13, 20),
        "headline": "Evacuation order for Lower Town and the Millrace",
        "authors": ["ruth-kalinowski"],
        "key_event": True,
        "body": """
<p>The town has ordered about 1,900 residents of Lower Town and the Millrace to leave their homes
by 6 p.m. Police and firefighters are going door to door.</p>
<p>The order covers every street south of Canal Street between the rail line and the river.
People who need a ride can call the flood line; buses are waiting at the arena.</p>
""",
    },
    {
        "day": 1,
        "at": time(15, 5),
        "headline": "Shelter opens at the Riverside Community Centre",
        "authors": ["elodie-marchetti"],
        "photos": ["shelter"],
        "body": """
<p>Cots, blankets and a hot meal were ready at the Riverside Community Centre on Hillcrest Drive
by mid-afternoon. Staff said about eighty people had registered in the first hour.</p>
<p>Pets are allowed in a separate room at the back. Volunteers asked for donations of dog food
and phone chargers rather than clothing.</p>
""",
    },
    {
        "day": 1,
        "at": time(17, 30),
        "headline": "Watch: on the water with the rescue crews",
        "authors": ["elodie-marchetti"],
        "video": True,
        "body": """
<p>Our video journalist spent the afternoon with a fire department boat crew checking every
house on Orchard Lane. Most residents had already left; two who had not were taken to the
shelter.</p>
""",
    },
    {
        "day": 1,
        "at": time(19, 15),
        "headline": "Boat crews find everyone on Orchard Lane safe",
        "authors": ["tomas-lindgren-okoro", "elodie-marchetti"],
        "photos": ["rescue_boat"],
        "body": """
<p>Fire crews finished their sweep of Orchard Lane and the streets around it before dark and
found no one in danger. Captain Ansel Drury said the last two households were persuaded to
leave with their cats.</p>
<p>Crews will make a second pass at first light.</p>
""",
    },
    {
        "day": 1,
        "at": time(22, 40),
        "headline": "Forecasters expect the crest before dawn",
        "authors": ["samir-oyelaran"],
        "body": """
<p>The rain has eased to showers and the gauges upstream at Harlow Bend have started to fall, so
the conservation authority expects the Kestrel to peak in Alder Falls in the early hours.</p>
<p>The river is forecast to crest between 5.9 and 6.1 metres. The record, set in 1981, is 6.16
metres. Read our <a href="https://example.org/valley-courier/kestrel-1981-flood">look back at the
1981 flood</a>.</p>
""",
    },
    {
        "day": 2,
        "headline": "The river crested overnight, just short of the record",
        "authors": ["samir-oyelaran"],
        "key_event": True,
        "body": """
<p>The Kestrel peaked at 6.02 metres at the Mill Street gauge at 3:40 a.m., fourteen centimetres
below the 1981 record, and has since dropped by about eight centimetres.</p>
<p>The conservation authority warns that the water will go down slowly and that the riverbanks
are soft and can give way. Stay off them.</p>
""",
    },
    {
        "day": 2,
        "headline": "What happened while you slept",
        "authors": ["priya-vasquez-hale"],
        "callout": True,
        "body": """
<p>If you are just waking up, here is where things stand:</p>
<ul>
<li>The river crested overnight and is now falling slowly.</li>
<li>About 240 people slept at the Riverside Community Centre.</li>
<li>No injuries have been reported.</li>
<li>The evacuation order is still in force; the town will review it at noon.</li>
</ul>
""",
    },
    {
        "day": 2,
        "headline": "Fields east of town are under water",
        "authors": ["tomas-lindgren-okoro"],
        "photos": ["farmland"],
        "body": """
<p>From the lookout on Quarry Hill this morning, the farmland along the Eastfield Road is a sheet
of grey water with only fence posts and barn roofs showing.</p>
<p>Farmers we spoke to said most livestock had been moved to higher ground two days ago.</p>
""",
    },
    {
        "day": 2,
        "headline": "Your questions answered: is the tap water safe to drink?",
        "authors": ["priya-vasquez-hale"],
        "answers": True,
        "body": """
<p>A reader in Upper Town asked whether the tap water is still safe. We put the question to the
town's utilities department.</p>
<blockquote><p>The treatment plant is on high ground and has not been affected. Water from the
tap is safe everywhere in town, except in homes whose basements flooded and that have their own
well.</p></blockquote>
<p>If your well was under water, boil the water for one minute before drinking it until it has
been tested. Free test kits are at the town hall.</p>
""",
    },
    {
        "day": 2,
        "headline": "Commuter trains to the city run again, with delays",
        "authors": ["declan-abara"],
        "body": """
<p>Morning trains from Alder Falls to the city are running again after track inspectors cleared
the line along the river. Expect trains to run slowly past the Millrace, adding about fifteen
minutes to the trip.</p>
<p>The station car park is partly flooded; the operator suggests getting a ride or taking
Route 7.</p>
""",
    },
    {
        "day": 2,
        "headline": "How high the Kestrel rose, hour by hour",
        "authors": ["samir-oyelaran"],
        "body": """
<p>The conservation authority's gauge readings since the rain began, in one chart:</p>
<p>https://datawrapper.dwcdn.net/kRv7a/2/</p>
<p>The authority posted this just after the crest:</p>
<p><a href="https://bsky.app/profile/kestrel-conservation.bsky.social/post/3lkrvcrest2a">https://bsky.app/profile/kestrel-conservation.bsky.social/post/3lkrvcrest2a</a></p>
""",
    },
    {
        "day": 2,
        "headline": "Province sends engineers to inspect the Mill Street bridge",
        "authors": ["ruth-kalinowski"],
        "body": """
<p>Two structural engineers from the provincial transportation ministry are on their way to check
the Mill Street bridge, where floodwater came within a metre of the deck overnight.</p>
<p>The bridge will stay closed until they sign off, which the town says could take several days.
The ministry's <a href="https://example.org/province/bridge-inspections">inspection notices</a>
are published online.</p>
""",
    },
]

# Embeds in the updates above, as resolving would have stored them (the demo asks no provider:
# ``manage.py demo`` runs without a network). The chart and the post are as invented as the rest.
EMBEDS = {
    "https://datawrapper.dwcdn.net/kRv7a/": {
        "provider": "datawrapper",
        "title": "Kestrel River level at the Mill Street gauge, in metres",
        "author_name": "Valley Courier",
    },
    "https://bsky.app/profile/kestrel-conservation.bsky.social/post/3lkrvcrest2a": {
        "provider": "bluesky",
        "title": (
            "The Kestrel crested at 6.02 m at the Mill Street gauge at 3:40 a.m. Levels are now "
            "falling slowly; stay out of the water, it is cold and fast."
        ),
        "author_name": "Kestrel Conservation Authority (@kestrel-conservation.bsky.social)",
        "provider_id": "did:plc:kestrelconservation0demo",
        "thumbnail": "river_bridge",
        "thumbnail_alt": "The Mill Street bridge with brown water just below its deck",
    },
}

LIVE_UNPUBLISHED = [
    {
        "headline": "Insurance: what flooded homeowners should photograph first",
        "authors": ["priya-vasquez-hale"],
        "status": Update.Status.DRAFT,
        "body": "<p>Notes so far: call two adjusters, the consumer help line, a contractor.</p>",
    },
    {
        "headline": "Schools in Lower Town stay closed for the rest of the week",
        "authors": ["priya-vasquez-hale"],
        "status": Update.Status.SUBMITTED,
        "body": """
<p>The school board says Millrace Public School and Canal Street Middle School will stay closed
until at least Monday while the buildings are checked for water damage.</p>
""",
    },
]

CALLOUT = {
    "prompt": "Has the flood reached your street?",
    "description": (
        "<p>Tell us what you are seeing where you live: water in the street, a basement "
        "flooding, a road you could not use.</p><p>A reporter may get in touch. <strong>We will "
        "not publish your name unless you say we may.</strong></p>"
    ),
    "ask_location": True,
    "ask_phone": True,
    "ask_photo": True,
}

SUBMISSIONS = [
    {
        "email": "colm.r@example.net",
        "name": "Colm R.",
        "location": "Birch Crescent",
        "body": (
            "There is about 20 cm of water in our basement and the storm drain on the corner is "
            "backing up."
        ),
        "status": ReaderSubmission.Status.NEW,
        "consent_contact": True,
    },
    {
        "email": "hanna.bakery@example.net",
        "name": "Hanna Liesel",
        "location": "Water Street",
        "phone": "555-0187",
        "body": (
            "I run the bakery on Water Street. We got the ovens up on blocks but the flour store "
            "is gone. Happy to talk about what small shops are dealing with."
        ),
        "status": ReaderSubmission.Status.SHORTLISTED,
        "consent_publish": True,
        "consent_contact": True,
        "editor_notes": "Good for the cleanup piece. Priya to call back.",
    },
    {
        "email": "j.amadi@example.org",
        "name": "Joy Amadi",
        "location": "Upper Town",
        "body": "Is tap water still safe to drink up here? My neighbour says the plant flooded.",
        "status": ReaderSubmission.Status.ANSWERED,
        "consent_publish": True,
        "answered": True,
    },
    {
        "email": "angry.reader@example.com",
        "name": "Pat",
        "body": "Why is the whole paper about a bit of water? Some of us wanted the hockey scores.",
        "status": ReaderSubmission.Status.REJECTED,
        "editor_notes": "Not a question for the desk.",
    },
    {
        "email": "deals@pumps-cheap.example.com",
        "name": "BEST PUMPS",
        "body": "Sump pumps 70% off today only!!! Click our link for flood deals.",
        "status": ReaderSubmission.Status.SPAM,
    },
    {
        "email": "m.ostrowski@example.org",
        "name": "Marta Ostrowski",
        "location": "Ridge Road",
        "body": (
            "We live just above the evacuation zone. Will the fire department tell us if the order "
            "is widened, or should we keep watching the town's map?"
        ),
        "status": ReaderSubmission.Status.NEW,
        "consent_publish": True,
    },
    # A general question, sent with the "Ask a question" form rather than for the callout.
    {
        "email": "teo.b@example.net",
        "name": "Teo Brandt",
        "body": "Is the Route 12 detour still running this weekend? I work Saturdays downtown.",
        "status": ReaderSubmission.Status.NEW,
        "general": True,
    },
]

RECAP_PAGE = {
    "slug": "kestrel-ice-jam-lower-town",
    "title": "Ice jam on the Kestrel floods Lower Town roads",
    "standfirst": (
        "A jam of river ice backed water into Lower Town for three days before breaking up. "
        "This is how it unfolded."
    ),
}

RECAP_KEY_POINTS = [
    "An <strong>ice jam</strong> below the Mill Street bridge pushed water onto six streets in "
    "Lower Town.",
    "About 120 households were told to leave as a precaution; all have since returned.",
    "The jam broke up on its own on the third morning, and the river dropped within hours.",
    "The town has asked the province to study a permanent ice boom upstream.",
]

# "day" counts from the first day of coverage.
RECAP_UPDATES = [
    {
        "day": 0,
        "at": time(7, 30),
        "headline": "Ice jam forms below the Mill Street bridge",
        "authors": ["samir-oyelaran"],
        "photos": ["ice_jam"],
        "key_event": True,
        "body": """
<p>Thick plates of river ice jammed against the shallows below the Mill Street bridge overnight,
and water is backing up behind them into Lower Town.</p>
""",
    },
    {
        "day": 0,
        "at": time(12, 15),
        "headline": "Six Lower Town streets under water",
        "authors": ["declan-abara"],
        "body": """
<p>Canal Street, Ferry Lane and four side streets are closed. Route 4 buses are running on Ridge
Road instead.</p>
""",
    },
    {
        "day": 0,
        "at": time(18, 0),
        "headline": "Precautionary evacuation for 120 households",
        "authors": ["priya-vasquez-hale"],
        "key_event": True,
        "body": """
<p>The town is asking people on the closed streets to stay with friends or at the arena until the
jam clears. It is a request, not an order.</p>
""",
    },
    {
        "day": 1,
        "at": time(9, 45),
        "headline": "Why the town is not blasting the jam",
        "authors": ["ruth-kalinowski", "samir-oyelaran"],
        "body": """
<p>Breaking an ice jam with explosives can send a surge of water and ice downstream faster than
anyone can warn the people there. The conservation authority says waiting is safer while
temperatures rise.</p>
<ul>
<li>Daytime highs are forecast above zero all week.</li>
<li>The jam is being watched from the bridge around the clock.</li>
</ul>
""",
    },
    {
        "day": 1,
        "at": time(16, 20),
        "headline": "Volunteers check on older residents",
        "authors": ["elodie-marchetti"],
        "body": """
<p>Members of the Lower Town residents' association knocked on doors all afternoon to make sure no
one who stayed was without heat or food.</p>
""",
    },
    {
        "day": 2,
        "at": time(6, 50),
        "headline": "The jam has broken up and the river is falling",
        "authors": ["samir-oyelaran"],
        "key_event": True,
        "body": """
<p>The ice began moving just after dawn and by seven the river below the bridge was running
freely. Water on Canal Street is already going down.</p>
""",
    },
    {
        "day": 2,
        "at": time(15, 30),
        "headline": "Roads reopen and residents return",
        "authors": ["declan-abara", "priya-vasquez-hale"],
        "body": """
<p>All six streets reopened this afternoon after crews cleared slush and debris.
<a href="https://example.org/alder-falls/ice-boom-study">Read the town's request</a> for an ice
boom study.</p>
""",
    },
]

DRAFT_PAGE = {
    "slug": "alder-falls-flood-cleanup",
    "title": "After the flood: cleanup and claims in Alder Falls",
    "standfirst": (
        "As the Kestrel goes down, the work begins: pumping out basements, checking bridges and "
        "filing insurance claims. We will follow it here."
    ),
}

DRAFT_PAGE_UPDATE = {
    "headline": "Where to drop off flood-damaged furniture",
    "authors": ["declan-abara"],
    "status": Update.Status.DRAFT,
    "body": "<p>The town is opening two drop-off sites; waiting for the addresses and hours.</p>",
}


# The French twin of the live page ---------------------------------------------------------------
# French sets a no-break space (\u00a0) before ":", "?" and "!" and inside « guillemets ».

FRENCH_SERIES = {
    "slug": "crues-de-la-vallee-de-la-kestrel",
    "name": "Crues de la vallée de la Kestrel",
    "description": "La couverture des crues de la Kestrel par le Valley Courier, en français.",
}

FRENCH_PAGE = {
    "slug": "crue-de-la-kestrel-alder-falls",
    "title": "Crue de la Kestrel\u00a0: Alder Falls évacue les rues basses",
    "standfirst": (
        "La rivière a monté de plus de deux mètres en une journée. Suivez la crue, les "
        "fermetures et l'aide offerte aux sinistrés, en direct."
    ),
}

FRENCH_KEY_POINTS = [
    "La Kestrel a atteint <strong>6,02 mètres</strong> cette nuit à la station de la rue Mill, "
    "à 14 cm du record de 1981.",
    "Environ 1 900 personnes de la Basse-Ville et du quartier du Bief restent sous "
    "<em>ordre d'évacuation</em>.",
    "Le refuge du centre communautaire Riverside est ouvert jour et nuit; les animaux sont "
    "acceptés.",
]

FRENCH_CALLOUT = {
    "prompt": "L'eau a-t-elle atteint votre rue\u00a0?",
    "description": (
        "<p>Racontez-nous ce que vous voyez près de chez vous\u00a0: une rue inondée, un sous-sol qui "
        "prend l'eau, une route impraticable.</p><p>Nous ne publierons pas votre nom sans votre "
        "accord.</p>"
    ),
    "ask_location": True,
}

# Each the French desk's own account of one of ``LIVE_UPDATES`` (``mirrors``: its index there),
# published ``after`` minutes after the English one.
FRENCH_UPDATES = [
    {
        "mirrors": 0,
        "after": 12,
        "headline": "La Kestrel a monté d'un mètre pendant la nuit",
        "authors": ["mathilde-dufresne-caron"],
        "key_event": True,
        "body": """
<p>À 7 h, la Kestrel atteignait 4,9 mètres à la station de la rue Mill, un mètre de plus qu'au
coucher du soleil. Elle monte encore d'une dizaine de centimètres par heure.</p>
<p>Deux jours de pluie abondante sur la neige des collines ont gonflé la rivière plus vite que
prévu, selon les prévisionnistes.</p>
""",
    },
    {
        "mirrors": 3,
        "after": 8,
        "headline": "La Ville déclare l'état d'urgence",
        "authors": ["mathilde-dufresne-caron"],
        "key_event": True,
        "body": """
<p>Le conseil municipal d'Alder Falls a déclaré l'état d'urgence ce matin. La mairesse demande
aux résidents des rues basses de se préparer à partir «\u00a0dans l'heure\u00a0» si l'ordre est donné.</p>
""",
    },
    {
        "mirrors": 5,
        "after": 15,
        "headline": "Des centaines de bénévoles remplissent des sacs de sable",
        "authors": ["mathilde-dufresne-caron"],
        "photos": ["digue"],
        "body": """
<p>Au terrain de la foire, des familles, des élèves et des employés municipaux se relaient aux
pelles depuis le début de la matinée. Plus de 20 000 sacs ont déjà été remplis.</p>
<p>«\u00a0On ne pouvait pas rester chez nous à regarder l'eau monter\u00a0», dit une bénévole venue avec ses
deux adolescents.</p>
""",
    },
    {
        "mirrors": 11,
        "after": 10,
        "headline": "La rivière a atteint son sommet, juste sous le record",
        "authors": ["mathilde-dufresne-caron"],
        "key_event": True,
        "body": """
<p>La Kestrel a culminé à 6,02 mètres vers 3 h 40, à 14 centimètres du record de 1981. Elle
baisse lentement depuis, mais les rues de la Basse-Ville resteront inondées toute la journée.</p>
""",
    },
    {
        "mirrors": -1,
        "after": 6,
        "headline": "Des ingénieurs de la province inspectent le pont de la rue Mill",
        "authors": ["mathilde-dufresne-caron"],
        "body": """
<p>Le pont restera fermé aux voitures comme aux piétons tant que les ingénieurs n'auront pas
vérifié ses piliers. Les autobus des lignes 4 et 12 continuent d'emprunter le détour par le chemin
Ridge.</p>
""",
    },
]
