//! PDF output through `pdf-writer`: the report's text rendering set in Courier (a PDF base font, so
//! nothing is embedded), US Letter pages, a page footer — text a reader or `pdftotext` extracts exactly.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};

use crate::reports::{render, Document};

const PAGE_WIDTH: f32 = 612.0;
const PAGE_HEIGHT: f32 = 792.0;
const MARGIN: f32 = 40.0;
const FONT_SIZE: f32 = 8.0;
const LEADING: f32 = 10.0;
/// Most pages one report may have (a limit on everything); the rest is cut with a note.
const MAX_PAGES: usize = 2_000;

/// The report as a PDF document.
pub fn document(document: &Document) -> Vec<u8> {
    lines(&render::text(document).lines().map(str::to_string).collect::<Vec<_>>(), &document.title)
}

/// Any lines of text as PDF pages (also used for the deposit slip).
pub fn lines(text: &[String], title: &str) -> Vec<u8> {
    let per_page = ((PAGE_HEIGHT - 2.0 * MARGIN) / LEADING) as usize - 2;
    let mut pages: Vec<&[String]> = text.chunks(per_page.max(1)).collect();
    if pages.is_empty() {
        pages.push(&[]);
    }
    let truncated = pages.len() > MAX_PAGES;
    pages.truncate(MAX_PAGES);
    let page_count = pages.len();

    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let font = Ref::new(3);
    let font_name = Name(b"F1");
    let page_ids: Vec<Ref> = (0..page_count).map(|i| Ref::new(4 + 2 * i as i32)).collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids(page_ids.iter().copied()).count(page_count as i32);
    pdf.type1_font(font).base_font(Name(b"Courier"));
    for (index, chunk) in pages.iter().enumerate() {
        let page_id = page_ids[index];
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT));
        page.parent(tree);
        page.contents(content_id);
        page.resources().fonts().pair(font_name, font);
        page.finish();
        let mut content = Content::new();
        content.begin_text();
        content.set_font(font_name, FONT_SIZE);
        content.set_leading(LEADING);
        content.next_line(MARGIN, PAGE_HEIGHT - MARGIN);
        for line in chunk.iter() {
            content.show(Str(&latin(line)));
            content.next_line_using_leading();
        }
        content.next_line_using_leading();
        let mut footer = format!("{title} - page {} of {page_count}", index + 1);
        if truncated && index + 1 == page_count {
            footer.push_str(" - report cut at the page limit");
        }
        content.show(Str(&latin(&footer)));
        content.end_text();
        pdf.stream(content_id, &content.finish());
    }
    pdf.finish()
}

/// The text as single bytes the base font's encoding can show: ASCII kept, anything else as '?'.
fn latin(text: &str) -> Vec<u8> {
    text.chars().map(|c| if c.is_ascii() && !c.is_ascii_control() { c as u8 } else { b'?' }).collect()
}
