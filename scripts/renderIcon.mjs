// Renders media/icon.svg to media/icon.png (256×256 pixels: the Marketplace icon, sharp on high-DPI screens) with
// headless Chromium.
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";

const svg = readFileSync("media/icon.svg", "utf8");
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
try {
  const page = await browser.newPage({ viewport: { width: 128, height: 128 }, deviceScaleFactor: 2 });
  await page.setContent(
    `<html><body style="margin:0;background:transparent">${svg.replace('width="256" height="256"', 'width="128" height="128"')}</body></html>`,
  );
  await page.screenshot({
    path: "media/icon.png",
    omitBackground: true,
    clip: { x: 0, y: 0, width: 128, height: 128 },
  });
  console.log("renderIcon: media/icon.png");
} finally {
  await browser.close();
}
