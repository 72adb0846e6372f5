import {
  countyName,
  FIGURE_LABELS,
  MAJOR_CASE_GROUND_LABELS,
  reportingMonth,
  VIOLATION_LABELS,
} from "@liandong/contracts";
import { FIGURE_NAMES } from "@liandong/domain";
import type { HttpEnv, ServiceContext } from "@liandong/runtime";
import { Hono } from "hono";

/**
 * The city's page (市级工作台): its counties' reports by month with 合计 and the late, the major
 * cases reported and their acknowledgement, the orders issued and their answers. The page is a
 * shell; what it shows it asks for with the officer's token (kept in the browser only), and puts
 * on the page as text, never as markup.
 */
export function cityPage(ctx: ServiceContext, _deps: unknown = undefined): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  const title = `${countyName(ctx.county, ctx.config.counties)}打击“两非”专项行动领导小组办公室`;
  const figures = FIGURE_NAMES.map((k) => [k, FIGURE_LABELS[k].zh]);
  const zh = (labels: Record<string, { zh: string }>) =>
    Object.fromEntries(Object.entries(labels).map(([k, l]) => [k, l.zh]));
  app.get("/", (c) =>
    c.html(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title>
<style>
body{font-family:"Noto Sans CJK SC",sans-serif;margin:1.5rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #bbb;padding:.25rem .5rem;text-align:right}
th{background:#f0f0f0}td:first-child,th:first-child{text-align:left}.late{color:#b00}.ok{color:#070}
.scroll{overflow-x:auto;max-width:100%}#error{color:#b00}
@media (max-width:40rem){body{margin:.75rem}h1{font-size:1.2rem}input{max-width:100%}}
</style></head><body>
<h1>${title}</h1>
<p><label>令牌 <input id="token" type="password" size="40"></label>
<label>月份 <input id="month" value="${reportingMonth(ctx.clock())}" size="8"></label>
<button id="load">查看</button> <a id="csv" href="#">下载汇总表（CSV）</a></p>
<p id="error" role="alert"></p>
<h2>各县月报汇总</h2><p id="late"></p><div class="scroll"><table id="report" data-testid="report"></table></div>
<h2>重大案件通报</h2><div class="scroll"><table id="cases" data-testid="cases"></table></div>
<h2>督办</h2><div class="scroll"><table id="orders" data-testid="orders"></table></div>
<script>
const FIGURES=${JSON.stringify(figures)};
const VIOLATIONS=${JSON.stringify(zh(VIOLATION_LABELS))};
const GROUNDS=${JSON.stringify(zh(MAJOR_CASE_GROUND_LABELS))};
const PROBLEM={401:"令牌无效或已过期，请重新输入",403:"此令牌无权查看市级工作台"};
const STATUS={submitted:"已按时上报",late:"逾期上报",missing:"未上报（已逾期）",pending:"未上报"};
const ORDER={open:"待回复",answered:"已回复",escalated:"已升级"};
const $=(id)=>document.getElementById(id);
$("token").value=localStorage.getItem("cityToken")||"";
const get=async(path)=>{const r=await fetch(path,{headers:{authorization:"Bearer "+$("token").value}});if(!r.ok){const p=await r.json().catch(()=>({}));throw new Error(PROBLEM[r.status]||p.title||("请求失败（"+r.status+"）"));}return r.json();};
function table(el,head,rows){el.replaceChildren();const tr=(cells,tag)=>{const r=document.createElement("tr");for(const c of cells){const d=document.createElement(tag);d.textContent=String(c??"");r.append(d);}return r;};el.append(tr(head,"th"));for(const row of rows)el.append(tr(row,"td"));}
const when=(iso)=>iso?new Date(Date.parse(iso)+8*3600e3).toISOString().slice(0,16).replace("T"," "):"";
async function load(){
  localStorage.setItem("cityToken",$("token").value);
  $("error").textContent="";
  const m=$("month").value;
  const rep=await get("/city/reports/"+m+".json");
  const NAMES=Object.fromEntries(rep.counties.map(c=>[c.county,c.name]));
  const named=(code)=>NAMES[code]||code;
  table($("report"),["县（市、区）",...FIGURES.map(f=>f[1]),"上报状态","上报时间"],[
    ...rep.counties.map(c=>[c.name,...FIGURES.map(f=>c.figures[f[0]]),STATUS[c.status],when(c.closedAt)]),
    ["合计",...FIGURES.map(f=>rep.total[f[0]]),"",""]]);
  $("late").textContent=rep.late.length?"未按时上报："+rep.late.map(c=>rep.counties.find(r=>r.county===c).name).join("、"):"各县均已按时上报";
  $("late").className=rep.late.length?"late":"ok";
  const cases=await get("/major-cases");
  table($("cases"),["通报时间","县","案件","违法行为","通报理由","状态","催复次数"],cases.items.map(x=>[when(x.reportedAt),named(x.facts.county),x.facts.title,x.facts.violations.map(v=>VIOLATIONS[v]||v).join("、"),x.facts.grounds.map(g=>GROUNDS[g]||g).join("、"),x.acknowledged?"已收悉 "+when(x.acknowledgedAt):"待确认",x.chases]));
  const orders=await get("/orders");
  table($("orders"),["下达时间","县","事由","回复期限","状态","回复"],orders.items.map(o=>[when(o.orderedAt),named(o.toCounty),o.reason,when(o.answerBy),ORDER[o.status]+(o.level>1?"（"+o.level+"级）":""),o.answer]));
}
const failed=(e)=>{$("error").textContent=e.message;};
$("load").onclick=()=>load().catch(failed);
$("csv").onclick=async(ev)=>{ev.preventDefault();const r=await fetch("/city/reports/"+$("month").value+".csv",{headers:{authorization:"Bearer "+$("token").value}});const a=document.createElement("a");a.href=URL.createObjectURL(await r.blob());a.download="city-report-"+$("month").value+".csv";a.click();};
if($("token").value)load().catch(failed);
</script></body></html>`),
  );
  return app;
}
