"""Draw ``server/static/og-nongso.png``: the link-preview image (1200×630, Open Graph's
recommended size) of consumer pages whose product has no photo yet.

Run once after changing it: ``uv run python scripts/make_og_image.py`` (needs Debian's
fonts-dejavu-core). The PNG is committed; the server never draws it.
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

OUT = Path(__file__).resolve().parents[1] / "server" / "static" / "og-nongso.png"
FONTS = Path("/usr/share/fonts/truetype/dejavu")


def main() -> None:
    img = Image.new("RGB", (1200, 630), (46, 107, 46))
    d = ImageDraw.Draw(img)
    bold = ImageFont.truetype(str(FONTS / "DejaVuSans-Bold.ttf"), 112)
    text = ImageFont.truetype(str(FONTS / "DejaVuSans.ttf"), 46)
    # a lychee and a carrot, as on the consumer page
    d.ellipse((880, 170, 1120, 410), fill=(196, 51, 58))
    for x, y in ((940, 250), (1010, 230), (980, 320), (1060, 330), (920, 350)):
        d.ellipse((x - 14, y - 14, x + 14, y + 14), fill=(224, 96, 106))
    d.line((1000, 170, 1040, 120), fill=(61, 122, 42), width=12)
    d.text((90, 170), "nongso", font=bold, fill=(255, 255, 255))
    d.text((90, 330), "Truy xuất nguồn gốc", font=text, fill=(230, 244, 226))
    d.text((90, 395), "nông sản Việt Nam", font=text, fill=(230, 244, 226))
    d.text((90, 500), "Quét tem QR · xem nhật ký canh tác", font=ImageFont.truetype(
        str(FONTS / "DejaVuSans.ttf"), 34), fill=(200, 226, 194))
    img.save(OUT, optimize=True)
    print(f"{OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
