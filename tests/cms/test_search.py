"""Chinese search: segmentation on both sides, results, snippets, paging."""

import random
import re

import pytest
from django.test import Client

from cms import search as cjk

BODY = (
    "居住权人有权按照合同约定，对他人的住宅享有占有、使用的用益物权，"
    "以满足生活居住的需要。设立居住权，当事人应当采用书面形式订立居住权合同，"
    "并向登记机构申请居住权登记；居住权自登记时设立。居住权不得转让、继承。"
)


def cjk_bigrams(text):
    runs = re.findall(r"[\u4e00-\u9fff]+", text)
    return sorted({run[i : i + 2] for run in runs for i in range(len(run) - 1)})


class TestSegmentation:
    def test_index_terms_hold_every_bigram_jieba_words_and_latin(self):
        terms = cjk.index_terms("民法典规定AI换脸侵权，PM2.5超标")
        for bigram in ("民法", "法典", "典规", "规定", "换脸", "侵权", "超标"):
            assert bigram in terms
        assert "民法典" in terms  # a jieba word
        assert "ai" in terms and "pm2" in terms and "5" in terms

    def test_query_terms_are_bigrams_and_lowercase_latin(self):
        assert cjk.query_terms("居住权") == ["居住", "住权"]
        assert cjk.query_terms("APP 隐私 APP") == ["app", "隐私"]
        assert cjk.query_terms("  ，。！ ") == []

    def test_snippet_marks_terms_and_escapes_html(self):
        html = cjk.snippet("<b>设立</b>居住权应当登记", ["居住", "住权"])
        assert "&lt;b&gt;" in html
        assert "<mark>居住权</mark>" in html


@pytest.mark.django_db
class TestSearchPage:
    def test_any_two_character_word_of_the_body_finds_the_page(
        self, make_article, index_now
    ):
        target = make_article(
            title="居住权怎么设立", body=[("paragraph", f"<p>{BODY}</p>")]
        )
        other = make_article(
            title="劳动合同的试用期",
            summary="试用期最长不超过六个月。",
            body=[("paragraph", "<p>劳动合同期限三个月以上不满一年的，试用期不得超过一个月。</p>")],
        )
        index_now(target, other)
        bigrams = cjk_bigrams(BODY)
        sample = random.Random(20261204).sample(bigrams, 40)

        for bigram in sample:
            response = Client().get("/search/", {"q": bigram})
            assert target.url in response.content.decode(), bigram

    def test_whole_phrase_and_mixed_latin_chinese_queries(self, make_article, index_now):
        article = make_article(
            title="AI换脸可能侵犯肖像权",
            summary="利用信息技术手段伪造他人肖像构成侵权。",
            body=[("paragraph", "<p>用 AI 软件把别人的脸换到视频里，可能侵犯肖像权。</p>")],
        )
        index_now(article)
        for query in ("ai换脸", "AI 肖像权", "信息技术手段", "伪造他人肖像"):
            html = Client().get("/search/", {"q": query}).content.decode()
            assert article.url in html, query

    def test_results_show_highlighted_snippets_and_count(self, make_article, index_now):
        article = make_article(title="居住权怎么设立", body=[("paragraph", f"<p>{BODY}</p>")])
        index_now(article)
        html = Client().get("/search/", {"q": "登记机构"}).content.decode()
        assert "找到 1 条" in html
        assert "<mark>登记机构</mark>" in html

    def test_no_results_message(self, make_article, index_now):
        index_now(make_article())
        html = Client().get("/search/", {"q": "量子力学"}).content.decode()
        assert "没有找到与“量子力学”相关的内容" in html

    def test_single_character_and_empty_queries_get_guidance(self, db):
        assert "请至少输入两个字" in Client().get("/search/", {"q": "法"}).content.decode()
        assert "请输入中文、字母或数字" in Client().get("/search/", {"q": "！？"}).content.decode()
        html = Client().get("/search/").content.decode()
        assert "输入法律问题中的关键词" in html

    def test_results_are_paginated(self, monkeypatch, make_column, make_article, index_now):
        from cms import views

        monkeypatch.setattr(views, "SEARCH_PAGE_SIZE", 2)
        column = make_column()
        pages = [
            make_article(parent=column, title=f"消费维权案例{n}", summary="网购七日无理由退货。")
            for n in range(3)
        ]
        index_now(*pages)
        first = Client().get("/search/", {"q": "无理由退货"}).content.decode()
        second = Client().get("/search/", {"q": "无理由退货", "page": 2}).content.decode()
        assert "找到 3 条" in first
        assert "第 1 / 2 页" in first and "第 2 / 2 页" in second
        assert "page=2" in first
        assert len(re.findall(r'class="search-result"', first)) == 2
        assert len(re.findall(r'class="search-result"', second)) == 1

    def test_unpublished_and_off_web_items_are_not_found(self, make_article, index_now):
        draft = make_article(title="草稿里的居住权", publish=False, live=False)
        wechat_only = make_article(title="微信里的居住权", to_web=False, to_wechat=True)
        public = make_article(title="网站上的居住权")
        index_now(draft, wechat_only, public)
        html = Client().get("/search/", {"q": "居住权"}).content.decode()
        assert public.url in html
        assert "草稿里的居住权" not in html
        assert "微信里的居住权" not in html

    def test_search_is_never_cached_publicly(self, make_article, index_now):
        index_now(make_article())
        response = Client().get("/search/", {"q": "居住权"})
        assert "public" not in response.get("Cache-Control", "")
