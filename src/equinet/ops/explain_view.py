"""How `equinet db explain` shows its report in a terminal: plan trees, a summary, the advice."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from equinet.ops.explain import ExplainReport, PlanNode, QueryReport, SeqScanFinding


def _rows(value: float) -> str:
    return f"{value:,.0f}"


def node_label(node: PlanNode, flagged: set[tuple[str, str | None]]) -> str:
    """`Index Scan using X on "Booking" b (est 50, actual 244 x1)`, coloured by concern."""
    parts = [f"[bold]{escape(node.node_type)}[/]"]
    if node.detail:
        parts.append(f"[dim]({escape(node.detail)})[/]")
    if node.index:
        parts.append(f"using [cyan]{escape(node.index)}[/]")
    if node.relation:
        alias = f" {node.alias}" if node.alias and node.alias != node.relation else ""
        parts.append(f"on [magenta]{escape(node.relation + alias)}[/]")
    rows = f"est {_rows(node.estimated_rows)}, actual {_rows(node.actual_rows)}"
    if node.loops > 1:
        rows += f" x{node.loops}"
    style = "yellow" if node.misestimated else "dim"
    parts.append(f"[{style}]({rows})[/]")
    if node.node_type == "Seq Scan" and (node.relation, node.alias) in flagged:
        parts.insert(0, "[bold red]![/]")
    return " ".join(parts)


def plan_tree(report: QueryReport) -> Tree:
    flagged = {(finding.table, finding.alias) for finding in report.seq_scans}
    assert report.plan is not None

    def grow(tree: Tree, node: PlanNode) -> None:
        branch = tree.add(node_label(node, flagged))
        for child in node.children:
            grow(branch, child)

    root = Tree(node_label(report.plan, flagged), guide_style="dim")
    for child in report.plan.children:
        grow(root, child)
    return root


def _finding_lines(finding: SeqScanFinding) -> list[str]:
    lines = [
        f"[bold red]Seq Scan[/] on [magenta]{escape(finding.table)}[/] "
        f"(~{finding.table_rows:,} rows): returned {finding.rows_returned:,}, "
        f"filtered out {finding.rows_removed:,}"
    ]
    if finding.filter:
        lines.append(f"  filter: [dim]{escape(finding.filter)}[/]")
    else:
        lines.append("  no filter: the whole table is read (to feed a join, or for all rows)")
    suggestion = finding.suggestion
    if suggestion is None:
        return lines
    if finding.condition_source == "join condition":
        lines.append("  columns from the join condition")
    if suggestion.covered_by:
        lines.append(f"  index exists: [cyan]{escape(', '.join(suggestion.covered_by))}[/]")
    elif suggestion.statement:
        lines.append(f"  suggest: [green]{escape(suggestion.statement)}[/]")
    for note in suggestion.notes:
        lines.append(f"  note: {escape(note)}")
    return lines


def render(report: ExplainReport, console: Console) -> None:
    """Each query's plan and numbers, then a summary table and every flagged scan."""
    console.print(
        f"[bold]{escape(report.database)}[/]: {len(report.queries)} hot queries, "
        f"large table = at least {report.large_table_rows:,} rows"
    )
    for query in report.queries:
        console.rule(f"[bold]{escape(query.name)}[/] [dim]{escape(query.description)}[/]")
        if query.error:
            console.print(f"[bold red]failed:[/] {escape(query.error)}")
            continue
        console.print(plan_tree(query), soft_wrap=False)  # wrap long labels inside the tree
        console.print(
            f"execution {query.execution_ms:.2f} ms (planning {query.planning_ms:.2f} ms), "
            f"{query.rows:,} rows, shared buffers hit {query.shared_hit:,} / "
            f"read {query.shared_read:,}"
        )
        for finding in query.seq_scans:
            for line in _finding_lines(finding):
                console.print(line)
    console.print(summary_table(report), soft_wrap=False)
    flagged = report.seq_scans
    if flagged:
        console.print(
            f"[bold red]{len(flagged)} sequential scan(s) of large tables.[/] Add an index with "
            "a migration (`equinet db new`), then run `equinet db explain` again."
        )
    else:
        console.print("[green]no sequential scans of large tables[/]")


def summary_table(report: ExplainReport) -> Table:
    table = Table(title="hot queries")
    table.add_column("query", no_wrap=True)
    table.add_column("time ms", justify="right")
    table.add_column("rows", justify="right")
    table.add_column("buffers hit/read", justify="right")
    table.add_column("seq scans of large tables")
    for query in report.queries:
        if query.error:
            table.add_row(query.name, "-", "-", "-", f"[red]failed: {escape(query.error)}[/]")
            continue
        scans = ", ".join(f.table for f in query.seq_scans)
        table.add_row(
            query.name,
            f"{query.execution_ms:.2f}",
            f"{query.rows:,}",
            f"{query.shared_hit:,}/{query.shared_read:,}",
            f"[red]{escape(scans)}[/]" if scans else "[green]none[/]",
        )
    return table
