"""Pictures for the demo content, drawn with Pillow so the project ships no photo files.

Each scene is built from a few cheap layers (gradients resized up from a strip of a few pixels,
polygons, a few hundred lines for rain and ripples, Pillow's own noise for grain), never a loop over
pixels, so a 1600×1067 JPEG takes about a tenth of a second. ``draw(name)`` returns the JPEG bytes of one
scene; ``SCENES`` names them all.
"""

import functools
import io
import math
import random

from PIL import Image, ImageDraw, ImageFilter, ImageFont

SIZE = (1600, 1067)
HEADSHOT_SIZE = (900, 900)


# Building blocks ---------------------------------------------------------------------------------


def font(size, bold=True):
    """DejaVu where the system has it (it has a bold face); Pillow's own font everywhere else."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    try:
        return ImageFont.truetype(name, size)
    except OSError:
        return ImageFont.load_default(size=size)


def soft(img, radius, factor=4):
    """Gaussian blur done at a quarter of the size: the same look for a sixteenth of the work."""
    small = img.resize((img.width // factor, img.height // factor), Image.Resampling.BILINEAR)
    blurred = small.filter(ImageFilter.GaussianBlur(radius / factor))
    return blurred.resize(img.size, Image.Resampling.BILINEAR)


def gradient(size, stops):
    """A vertical gradient through ``stops`` (colours, top to bottom, evenly spaced)."""
    width, height = size
    strip = Image.new("RGB", (1, len(stops)))
    strip.putdata([tuple(c) for c in stops])
    # Bilinear resizing of a one-pixel-wide strip interpolates between the stops.
    return strip.resize((width, height), Image.Resampling.BILINEAR)


def ridge(rng, width, base, amplitude, waves=3, step=20):
    """Points along a hill line: a few summed sine waves with random phases."""
    phases = [(rng.uniform(0.5, 2.5) * (i + 1), rng.uniform(0, math.tau)) for i in range(waves)]
    points = []
    for x in range(0, width + step, step):
        y = base
        for i, (freq, phase) in enumerate(phases):
            y -= amplitude / (i + 1) * math.sin(x / width * math.tau * freq / 2 + phase)
        points.append((x, y))
    return points


def hills(img, rng, base, amplitude, colour, waves=3):
    width, height = img.size
    points = ridge(rng, width, base, amplitude, waves)
    ImageDraw.Draw(img).polygon([*points, (width, height), (0, height)], fill=colour)


def shade(colour, factor):
    return tuple(max(0, min(255, int(c * factor))) for c in colour)


def water(img, rng, top, stops, reflect=True, ripples=260):
    """Water from ``top`` down: the scene above mirrored and darkened, a gradient, ripple lines."""
    width, height = img.size
    band = gradient((width, height - top), stops)
    if reflect:
        mirror = img.crop((0, max(0, 2 * top - height), width, top)).transpose(
            Image.Transpose.FLIP_TOP_BOTTOM
        )
        mirror = soft(mirror.resize((width, height - top)), 6)
        band = Image.blend(band, mirror, 0.35)
    draw = ImageDraw.Draw(band)
    for _ in range(ripples):
        y = rng.triangular(0, height - top, height - top)
        length = rng.uniform(20, 60) * (1 + 3 * y / (height - top))
        x = rng.uniform(-40, width)
        tone = rng.choice((1.25, 1.35, 0.8))
        colour = shade(band.getpixel((int(min(max(x, 0), width - 1)), int(y))), tone)
        draw.line([(x, y), (x + length, y)], fill=colour, width=max(1, int(y / 160)))
    img.paste(band, (0, top))


def rain(img, rng, count=700, slant=0.18, alpha=70):
    width, height = img.size
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for _ in range(count):
        x, y = rng.uniform(-100, width), rng.uniform(-60, height)
        length = rng.uniform(25, 70)
        draw.line(
            [(x, y), (x + length * slant, y + length)],
            fill=(220, 228, 235, rng.randint(alpha // 2, alpha)),
            width=rng.choice((1, 1, 2)),
        )
    img.paste(layer, (0, 0), layer)


@functools.cache
def vignette_mask(size, strength):
    return (
        Image.radial_gradient("L")
        .resize(size, Image.Resampling.BILINEAR)
        .point(lambda v: int(max(0, v - 90) * strength * 1.5))
    )


@functools.cache
def grain_layer(size):
    noise = Image.effect_noise((size[0] // 2, size[1] // 2), 40).resize(size)
    return Image.merge("RGB", (noise, noise, noise))


def finish(img, grain=0.05, vignette=0.45):
    """Grain and a darkened edge: what makes a flat drawing read as a photograph."""
    img = Image.composite(
        Image.new("RGB", img.size, (8, 10, 14)), img, vignette_mask(img.size, vignette)
    )
    return Image.blend(img, grain_layer(img.size), grain)


def sign(draw, x, y, text, *, width=300, height=90, fill=(236, 92, 24), ink=(255, 255, 255)):
    """A road sign on a post, its top-left corner at (x, y)."""
    draw.rectangle(
        [x + width // 2 - 6, y + height, x + width // 2 + 6, y + height + 220], fill=(70, 70, 74)
    )
    draw.rounded_rectangle(
        [x, y, x + width, y + height], radius=10, fill=fill, outline=ink, width=5
    )
    size = height // 2
    while size > 10 and draw.textlength(text, font=font(size)) > width - 30:
        size -= 2
    draw.text((x + width / 2, y + height / 2), text, font=font(size), fill=ink, anchor="mm")


def buildings(draw, rng, left, right, ground, *, lit=0.15, palette=None):
    """A street front of brick and clapboard buildings with windows, some of them lit."""
    palette = palette or [(120, 72, 58), (96, 86, 80), (140, 120, 96), (88, 96, 110), (150, 90, 70)]
    x = left
    while x < right:
        w = rng.randint(150, 260)
        h = rng.randint(260, 470)
        colour = rng.choice(palette)
        draw.rectangle([x, ground - h, x + w, ground], fill=colour)
        draw.rectangle([x - 4, ground - h - 16, x + w + 4, ground - h], fill=shade(colour, 0.7))
        for wy in range(ground - h + 30, ground - 110, 78):
            for wx in range(x + 22, x + w - 40, 56):
                glow = rng.random() < lit
                draw.rectangle(
                    [wx, wy, wx + 30, wy + 44],
                    fill=(250, 214, 130) if glow else shade(colour, 0.45),
                    outline=shade(colour, 1.3),
                    width=2,
                )
        # Shop front at street level.
        draw.rectangle([x + 14, ground - 100, x + w - 14, ground - 10], fill=shade(colour, 0.35))
        draw.rectangle([x + 10, ground - 124, x + w - 10, ground - 100], fill=shade(colour, 1.4))
        x += w + rng.randint(0, 8)


def person(draw, x, ground, height, colour=(24, 26, 30)):
    head = height * 0.13
    draw.ellipse([x - head / 2, ground - height, x + head / 2, ground - height + head], fill=colour)
    draw.rounded_rectangle(
        [
            x - height * 0.12,
            ground - height + head * 1.05,
            x + height * 0.12,
            ground - height * 0.42,
        ],
        radius=int(height * 0.05),
        fill=colour,
    )
    draw.rectangle(
        [x - height * 0.09, ground - height * 0.45, x + height * 0.09, ground], fill=colour
    )


def boat(draw, x, y, length, colour=(200, 40, 32)):
    """A flat-bottomed rescue boat with a wheelhouse and crew, waterline at y."""
    h = length * 0.16
    draw.polygon(
        [(x, y - h), (x + length, y - h * 1.3), (x + length * 0.9, y), (x + length * 0.08, y)],
        fill=colour,
    )
    draw.line(
        [(x + 4, y - h * 0.55), (x + length * 0.95, y - h * 0.75)], fill=(240, 240, 235), width=6
    )
    draw.rectangle(
        [x + length * 0.5, y - h * 2.6, x + length * 0.74, y - h * 1.2], fill=(236, 236, 228)
    )
    draw.rectangle(
        [x + length * 0.54, y - h * 2.3, x + length * 0.7, y - h * 1.7], fill=(60, 80, 96)
    )
    for px in (0.2, 0.34):
        person(draw, x + length * px, y - h * 1.05, h * 2.2, colour=(250, 160, 30))


def bus(draw, x, ground, length=620, colour=(18, 104, 160)):
    """A city bus seen from the side, wheels on ``ground``."""
    h = length * 0.3
    draw.rounded_rectangle([x, ground - h, x + length, ground - 22], radius=26, fill=colour)
    draw.rectangle(
        [x + 8, ground - h * 0.42, x + length - 8, ground - h * 0.34], fill=(240, 200, 40)
    )
    for i in range(7):
        wx = x + 90 + i * (length - 120) / 7
        draw.rounded_rectangle(
            [wx, ground - h + 22, wx + (length - 150) / 7 - 10, ground - h * 0.5],
            radius=6,
            fill=(170, 206, 226),
        )
    draw.rounded_rectangle(
        [x + 16, ground - h + 22, x + 76, ground - 40], radius=6, fill=(60, 76, 90)
    )
    draw.rectangle([x + 14, ground - h + 4, x + 150, ground - h + 20], fill=(20, 20, 20))
    draw.text(
        (x + 82, ground - h + 12), "12 DETOUR", font=font(13), fill=(255, 176, 0), anchor="mm"
    )
    for wx in (x + 120, x + length - 130):
        draw.ellipse([wx - 46, ground - 70, wx + 46, ground + 22], fill=(22, 22, 24))
        draw.ellipse([wx - 20, ground - 44, wx + 20, ground - 4], fill=(120, 120, 124))


def trees(draw, rng, left, right, ground, count, colour=(38, 64, 44)):
    for _ in range(count):
        x = rng.uniform(left, right)
        h = rng.uniform(70, 150)
        draw.rectangle([x - 4, ground - h * 0.3, x + 4, ground], fill=(50, 40, 32))
        draw.ellipse(
            [x - h * 0.35, ground - h, x + h * 0.35, ground - h * 0.2],
            fill=shade(colour, rng.uniform(0.8, 1.2)),
        )


# Scenes ------------------------------------------------------------------------------------------


def main_street(rng):
    img = gradient(SIZE, [(92, 102, 116), (150, 158, 166), (178, 182, 184)])
    draw = ImageDraw.Draw(img)
    buildings(draw, rng, -30, 1640, 700, lit=0.25)
    draw.rectangle([0, 700, 1600, 720], fill=(70, 72, 74))
    water(img, rng, 710, [(96, 88, 70), (74, 66, 52), (52, 46, 38)])
    draw = ImageDraw.Draw(img)
    sign(draw, 1120, 560, "ROAD CLOSED", width=330, height=96)
    # A parked car up to its door handles.
    draw.rounded_rectangle([260, 640, 620, 760], radius=40, fill=(160, 30, 36))
    draw.rounded_rectangle([330, 600, 540, 660], radius=26, fill=(130, 24, 30))
    draw.rectangle([350, 612, 520, 650], fill=(150, 176, 190))
    water(img, rng, 737, [(96, 88, 70), (60, 54, 42)], reflect=True, ripples=200)
    rain(img, rng, count=900)
    return finish(img)


def rescue_boat(rng):
    img = gradient(SIZE, [(250, 196, 150), (238, 168, 140), (150, 150, 176), (110, 120, 140)])
    draw = ImageDraw.Draw(img)
    draw.ellipse([1150, 330, 1290, 470], fill=(255, 228, 180))
    hills(img, rng, 560, 40, (104, 110, 128))
    draw = ImageDraw.Draw(img)
    for x in range(-20, 1600, 260):
        roof = rng.randint(420, 470)
        colour = rng.choice([(210, 206, 196), (186, 170, 150), (150, 160, 170)])
        draw.rectangle([x + 20, roof + 60, x + 220, 690], fill=colour)
        draw.polygon(
            [(x, roof + 62), (x + 120, roof - 10), (x + 240, roof + 62)], fill=shade(colour, 0.55)
        )
        draw.rectangle([x + 60, roof + 110, x + 110, roof + 170], fill=(255, 222, 160))
        draw.rectangle([x + 140, roof + 110, x + 190, roof + 170], fill=shade(colour, 0.5))
    trees(draw, rng, 0, 1600, 690, 9, colour=(60, 70, 62))
    water(img, rng, 660, [(196, 150, 132), (120, 112, 120), (70, 72, 86)])
    draw = ImageDraw.Draw(img)
    boat(draw, 420, 850, 560)
    draw.line([(0, 700), (1600, 700)], fill=(230, 190, 170), width=2)
    return finish(img, vignette=0.35)


def bus_detour(rng):
    img = gradient(SIZE, [(40, 48, 70), (90, 96, 118), (150, 140, 140)])
    draw = ImageDraw.Draw(img)
    buildings(
        draw, rng, -20, 1640, 640, lit=0.55, palette=[(60, 62, 70), (76, 70, 68), (54, 60, 72)]
    )
    draw.rectangle([0, 640, 1600, 1067], fill=(46, 48, 54))
    water(img, rng, 740, [(70, 70, 80), (40, 42, 48)], ripples=160)
    draw = ImageDraw.Draw(img)
    for x in range(0, 1600, 180):
        draw.rectangle([x, 930, x + 90, 944], fill=(200, 190, 120))
    bus(draw, 300, 830, length=760)
    sign(draw, 1180, 520, "DETOUR", width=240, height=96, fill=(250, 180, 0), ink=(20, 20, 20))
    # Headlight glare on the wet road.
    glow = Image.new("L", SIZE, 0)
    ImageDraw.Draw(glow).ellipse([230, 760, 420, 820], fill=200)
    img.paste((255, 240, 200), (0, 0), soft(glow, 30, factor=8))
    rain(img, rng, count=1000, slant=-0.12, alpha=90)
    return finish(img, vignette=0.6)


def sandbags(rng):
    img = gradient(SIZE, [(140, 150, 160), (188, 192, 194), (200, 202, 200)])
    hills(img, rng, 470, 60, (112, 126, 118))
    hills(img, rng, 540, 30, (82, 104, 86))
    water(img, rng, 600, [(120, 118, 100), (90, 86, 70)], ripples=180)
    draw = ImageDraw.Draw(img)
    draw.polygon([(0, 760), (1600, 700), (1600, 1067), (0, 1067)], fill=(92, 110, 70))
    for row in range(6):
        y = 820 - row * 38
        offset = (row % 2) * 45
        for x in range(-40 + offset, 1640, 92):
            tone = rng.uniform(0.85, 1.1)
            draw.rounded_rectangle(
                [x, y - 36, x + 96, y + 6], radius=18, fill=shade((196, 180, 140), tone)
            )
            draw.line(
                [(x + 10, y - 4), (x + 86, y - 4)], fill=shade((150, 136, 100), tone), width=3
            )
    for x, h in ((260, 300), (420, 280), (1180, 320), (1320, 290)):
        person(draw, x, 1000, h, colour=rng.choice([(30, 60, 120), (200, 120, 20), (40, 40, 44)]))
    rain(img, rng, count=350, alpha=45)
    return finish(img)


def shelter(rng):
    img = gradient(SIZE, [(22, 28, 54), (70, 64, 96), (200, 120, 100)])
    draw = ImageDraw.Draw(img)
    hills(img, rng, 600, 30, (36, 38, 52))
    draw = ImageDraw.Draw(img)
    draw.rectangle([220, 380, 1380, 820], fill=(92, 84, 80))
    draw.polygon([(180, 390), (800, 250), (1420, 390)], fill=(58, 52, 52))
    for x in range(280, 1340, 110):
        for y in (440, 600):
            draw.rectangle([x, y, x + 70, y + 100], fill=(255, 214, 140))
    draw.rectangle([730, 640, 870, 820], fill=(255, 236, 190))
    draw.rectangle([600, 300, 1000, 360], fill=(24, 80, 150))
    draw.text((800, 330), "EMERGENCY SHELTER", font=font(32), fill=(255, 255, 255), anchor="mm")
    draw.rectangle([0, 820, 1600, 1067], fill=(40, 42, 50))
    for x in (520, 600, 1010, 1100, 1160):
        person(draw, x, 900, rng.randint(170, 200))
    for x in (80, 1460):
        draw.rectangle([x, 640, x + 300, 800], fill=(200, 200, 206))
        draw.rectangle([x + 20, 660, x + 120, 720], fill=(90, 110, 130))
        draw.text((x + 200, 700), "RED CROSS", font=font(18), fill=(190, 20, 30), anchor="mm")
        draw.ellipse([x + 20, 780, x + 80, 840], fill=(20, 20, 20))
        draw.ellipse([x + 220, 780, x + 280, 840], fill=(20, 20, 20))
    glow = Image.new("L", SIZE, 0)
    ImageDraw.Draw(glow).rectangle([250, 420, 1350, 840], fill=110)
    img.paste((255, 200, 120), (0, 0), soft(glow, 60, factor=8))
    return finish(img, vignette=0.55)


def farmland(rng):
    img = gradient(SIZE, [(120, 150, 190), (190, 200, 210), (240, 210, 170)])
    draw = ImageDraw.Draw(img)
    for _ in range(8):
        x, y = rng.uniform(-100, 1500), rng.uniform(40, 300)
        for _puff in range(5):
            dx, dy = rng.uniform(0, 240), rng.uniform(-30, 30)
            draw.ellipse([x + dx, y + dy, x + dx + 220, y + dy + 90], fill=(226, 228, 232))
    img = soft(img, 3, factor=2)
    hills(img, rng, 520, 70, (96, 112, 120))
    hills(img, rng, 600, 40, (84, 118, 70))
    water(img, rng, 650, [(150, 160, 170), (110, 116, 110)], ripples=220)
    draw = ImageDraw.Draw(img)
    # Fence posts and a barn roof standing out of the flooded field.
    for x in range(40, 1600, 70):
        draw.rectangle([x, 700 + x // 30, x + 8, 760 + x // 30], fill=(70, 56, 44))
    draw.line([(0, 715), (1600, 770)], fill=(70, 56, 44), width=3)
    draw.polygon([(980, 690), (1120, 600), (1260, 690)], fill=(150, 40, 34))
    draw.rectangle([1000, 690, 1240, 720], fill=(170, 50, 40))
    trees(draw, rng, 0, 700, 660, 7, colour=(50, 80, 50))
    draw.polygon([(0, 960), (700, 900), (1600, 940), (1600, 1067), (0, 1067)], fill=(62, 80, 44))
    return finish(img, vignette=0.35)


def river_bridge(rng):
    img = gradient(SIZE, [(70, 80, 96), (130, 138, 150), (160, 162, 160)])
    hills(img, rng, 430, 80, (80, 96, 96))
    hills(img, rng, 520, 40, (60, 82, 66))
    trees(ImageDraw.Draw(img), rng, 0, 1600, 560, 18, colour=(46, 70, 52))
    # A three-arch concrete bridge, drawn on its own layer so the arches can be cut out of it.
    bridge = Image.new("RGBA", SIZE, (0, 0, 0, 0))
    draw = ImageDraw.Draw(bridge)
    draw.rectangle([-10, 440, 1610, 640], fill=(132, 130, 124, 255))
    draw.rectangle([-10, 440, 1610, 470], fill=(104, 102, 98, 255))
    for cx in (290, 800, 1310):
        draw.ellipse([cx - 210, 520, cx + 210, 800], fill=(0, 0, 0, 0))
    for x in range(0, 1600, 36):
        draw.rectangle([x, 404, x + 7, 440], fill=(96, 96, 94, 255))
    draw.rectangle([-10, 398, 1610, 406], fill=(96, 96, 94, 255))
    img.paste(bridge, (0, 0), bridge)
    water(img, rng, 610, [(120, 104, 80), (92, 78, 58), (70, 60, 46)], ripples=320)
    draw = ImageDraw.Draw(img)
    # Driftwood and debris carried on the current.
    for _ in range(40):
        x, y = rng.uniform(0, 1600), rng.triangular(640, 1060, 1000)
        length = rng.uniform(40, 160) * (y / 700)
        draw.line(
            [(x, y), (x + length, y + rng.uniform(-8, 8))],
            fill=(60, 48, 36),
            width=max(3, int(rng.uniform(3, 7) * y / 700)),
        )
    rain(img, rng, count=400, alpha=50)
    return finish(img)


def ice_jam(rng):
    img = gradient(SIZE, [(170, 186, 206), (214, 222, 230), (236, 238, 240)])
    hills(img, rng, 430, 60, (200, 208, 216))
    draw = ImageDraw.Draw(img)
    trees(draw, rng, 0, 1600, 470, 30, colour=(50, 66, 60))
    hills(img, rng, 520, 20, (226, 230, 236))
    water(img, rng, 580, [(90, 110, 124), (60, 76, 90)], ripples=120)
    draw = ImageDraw.Draw(img)
    for _ in range(90):
        x, y = rng.uniform(-80, 1600), rng.triangular(600, 1067, 1000)
        s = 30 + (y - 580) * 0.35
        pts = [
            (x + s * math.cos(a) * rng.uniform(0.6, 1.2), y + s * 0.45 * math.sin(a))
            for a in [i * math.tau / 6 + rng.uniform(-0.3, 0.3) for i in range(6)]
        ]
        draw.polygon(
            pts, fill=shade((236, 242, 248), rng.uniform(0.82, 1.0)), outline=(170, 186, 200)
        )
    sign(draw, 1240, 480, "NO ACCESS", width=250, height=80)
    return finish(img, vignette=0.3)


def headshot(rng):
    img = gradient(HEADSHOT_SIZE, [(70, 96, 120), (150, 170, 186)])
    # Out-of-focus newsroom lights behind the sitter.
    bokeh = Image.new("L", HEADSHOT_SIZE, 0)
    draw = ImageDraw.Draw(bokeh)
    for _ in range(14):
        x, y, r = rng.uniform(0, 900), rng.uniform(0, 500), rng.uniform(30, 70)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=90)
    img.paste((255, 236, 200), (0, 0), soft(bokeh, 16))
    draw = ImageDraw.Draw(img)
    draw.ellipse([170, 600, 730, 1200], fill=(40, 58, 80))  # shoulders, navy jacket
    draw.polygon([(390, 600), (450, 720), (510, 600)], fill=(236, 236, 230))  # collar
    draw.rectangle([405, 470, 495, 620], fill=(196, 150, 120))  # neck
    draw.ellipse([320, 220, 580, 540], fill=(208, 162, 130))  # face
    draw.chord([300, 170, 600, 440], 180, 360, fill=(60, 40, 30))  # hair
    draw.ellipse([380, 360, 410, 380], fill=(50, 36, 30))
    draw.ellipse([490, 360, 520, 380], fill=(50, 36, 30))
    draw.arc([410, 420, 490, 480], 20, 160, fill=(140, 80, 70), width=5)
    return finish(img.filter(ImageFilter.GaussianBlur(1.2)), grain=0.04, vignette=0.3)


SCENES = {
    "main_street": main_street,
    "rescue_boat": rescue_boat,
    "bus_detour": bus_detour,
    "sandbags": sandbags,
    "shelter": shelter,
    "farmland": farmland,
    "river_bridge": river_bridge,
    "ice_jam": ice_jam,
    "headshot": headshot,
}


def draw(name, *, seed=None):
    """The JPEG bytes of the scene ``name``; the same name always draws the same picture."""
    img = SCENES[name](random.Random(seed if seed is not None else name))
    buffer = io.BytesIO()
    img.convert("RGB").save(buffer, format="JPEG", quality=84, optimize=True)
    return buffer.getvalue()
