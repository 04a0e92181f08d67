"""Real clients for the real-Envoy tests: the official OpenAI and Anthropic Python SDKs.

Usage: python clients.py SCENARIO BASE_URL [ARG]. Prints one JSON object: what the SDK returned,
or {"error": {"status": ..., "body": ...}} when it raised an API error.
"""
import json
import os
import sys

import anthropic
import openai


def openai_client(base):
    return openai.OpenAI(base_url=base + "/v1", api_key=os.environ.get("TOLLGATE_CLIENT_KEY", "sk-client"), max_retries=0, timeout=60)


def anthropic_client(base):
    return anthropic.Anthropic(base_url=base, api_key=os.environ.get("TOLLGATE_CLIENT_KEY", "ak-client"), max_retries=0, timeout=60)


MESSAGES = [{"role": "user", "content": "Say hello"}]


def chat(base, model):
    r = openai_client(base).chat.completions.create(model=model, messages=MESSAGES)
    return {"id": r.id, "model": r.model, "content": r.choices[0].message.content,
            "finish_reason": r.choices[0].finish_reason, "usage": r.usage.model_dump()}


def chat_stream(base, model):
    content, usage, chunks = "", None, 0
    with openai_client(base).chat.completions.create(
            model=model, messages=MESSAGES, stream=True, stream_options={"include_usage": True}) as stream:
        for chunk in stream:
            chunks += 1
            if chunk.choices and chunk.choices[0].delta.content:
                content += chunk.choices[0].delta.content
            if chunk.usage:
                usage = chunk.usage.model_dump()
    return {"content": content, "usage": usage, "chunks": chunks}


def chat_tools(base, model):
    tools = [{"type": "function", "function": {
        "name": "get_weather", "description": "weather of a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
    r = openai_client(base).chat.completions.create(model=model, messages=MESSAGES, tools=tools)
    call = r.choices[0].message.tool_calls[0]
    return {"finish_reason": r.choices[0].finish_reason, "name": call.function.name,
            "arguments": json.loads(call.function.arguments), "id": call.id}


def embeddings(base, model):
    r = openai_client(base).embeddings.create(model=model, input=["hello", "world"])
    return {"count": len(r.data), "dims": len(r.data[0].embedding), "usage": r.usage.model_dump()}


def chat_disconnect(base, model):
    """Reads the first chunk of a stream, then closes the connection."""
    stream = openai_client(base).chat.completions.create(model=model, messages=MESSAGES, stream=True)
    first = next(iter(stream))
    stream.close()
    return {"first": first.choices[0].delta.content if first.choices else None}


def big_prompt(base, model, size):
    """A chat request whose prompt is SIZE bytes."""
    r = openai_client(base).chat.completions.create(
        model=model, messages=[{"role": "user", "content": "x" * int(size)}])
    return {"content_length": len(r.choices[0].message.content or ""), "usage": r.usage.model_dump()}


def messages(base, model):
    r = anthropic_client(base).messages.create(model=model, max_tokens=64, messages=MESSAGES)
    return {"id": r.id, "text": "".join(b.text for b in r.content if b.type == "text"),
            "stop_reason": r.stop_reason, "usage": {"input_tokens": r.usage.input_tokens,
                                                    "output_tokens": r.usage.output_tokens}}


def messages_stream(base, model):
    text, events = "", []
    with anthropic_client(base).messages.stream(model=model, max_tokens=64, messages=MESSAGES) as stream:
        for event in stream:
            events.append(event.type)
        final = stream.get_final_message()
    text = "".join(b.text for b in final.content if b.type == "text")
    return {"text": text, "events": sorted(set(events)), "stop_reason": final.stop_reason,
            "output_tokens": final.usage.output_tokens}


WEATHER = {"name": "get_weather", "description": "weather of a city",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}


def responses(base, model):
    r = openai_client(base).responses.create(model=model, instructions="Be brief.", input="Say hello")
    return {"id": r.id, "status": r.status, "model": r.model, "text": r.output_text,
            "usage": r.usage.model_dump() if r.usage else None}


def responses_stream(base, model):
    text, types, final = "", [], None
    stream = openai_client(base).responses.create(model=model, instructions="Be brief.", input="Say hello",
                                                  stream=True)
    for event in stream:
        if not types or types[-1] != event.type:
            types.append(event.type)
        if event.type == "response.output_text.delta":
            text += event.delta
        if event.type in ("response.completed", "response.incomplete", "response.failed"):
            final = event.response
        if event.type == "error":
            return {"text": text, "events": types, "error_event": event.message}
    return {"text": text, "events": types, "status": final.status if final else None,
            "final_text": final.output_text if final else None,
            "usage": final.usage.model_dump() if final and final.usage else None}


def responses_reasoning(base, model):
    """Reasoning asked for with reasoning.effort: the answer's reasoning item, whole and streamed."""
    client = openai_client(base)
    r = client.responses.create(model=model, input="Say hello", reasoning={"effort": "low"})
    out = {"types": [o.type for o in r.output], "text": r.output_text,
           "summary": "".join(s.text for o in r.output if o.type == "reasoning" for s in o.summary),
           "reasoning_tokens": r.usage.output_tokens_details.reasoning_tokens if r.usage else None}
    summary, types = "", []
    for event in client.responses.create(model=model, input="Say hello", reasoning={"effort": "low"}, stream=True):
        if not types or types[-1] != event.type:
            types.append(event.type)
        if event.type == "response.reasoning_summary_text.delta":
            summary += event.delta
    out["streamed"] = {"summary": summary, "events": types}
    return out


def responses_tools(base, model):
    """A function call, then its output sent back as input items: the model's second answer."""
    client = openai_client(base)
    tools = [dict(type="function", **WEATHER)]
    first = client.responses.create(model=model, input="What is the weather in Paris?", tools=tools)
    calls = [o for o in first.output if o.type == "function_call"]
    if not calls:
        return {"calls": 0, "first": first.model_dump()}
    call = calls[0]
    second = client.responses.create(model=model, tools=tools, input=[
        {"role": "user", "content": "What is the weather in Paris?"},
        {"type": "function_call", "call_id": call.call_id, "name": call.name, "arguments": call.arguments},
        {"type": "function_call_output", "call_id": call.call_id, "output": "sunny, 21 C"}])
    return {"calls": len(calls), "name": call.name, "arguments": json.loads(call.arguments),
            "call_id": call.call_id, "text": second.output_text, "status": second.status}


def responses_previous(base, model, previous):
    r = openai_client(base).responses.create(model=model, input="And then?", previous_response_id=previous)
    return {"id": r.id, "text": r.output_text}


def messages_tools(base, model):
    """A tool_use, then its tool_result sent back: the model's second answer."""
    client = anthropic_client(base)
    tools = [{"name": WEATHER["name"], "description": WEATHER["description"], "input_schema": WEATHER["parameters"]}]
    asked = [{"role": "user", "content": "What is the weather in Paris?"}]
    first = client.messages.create(model=model, max_tokens=256, tools=tools, messages=asked)
    uses = [b for b in first.content if b.type == "tool_use"]
    if not uses:
        return {"uses": 0, "first": first.model_dump()}
    use = uses[0]
    second = client.messages.create(model=model, max_tokens=256, tools=tools, messages=asked + [
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "sunny, 21 C"}]}])
    return {"uses": len(uses), "name": use.name, "input": use.input, "stop_reason": first.stop_reason,
            "text": "".join(b.text for b in second.content if b.type == "text")}


def messages_thinking(base, model):
    client = anthropic_client(base)
    r = client.messages.create(model=model, max_tokens=2048, thinking={"type": "enabled", "budget_tokens": 1024},
                               messages=MESSAGES)
    out = {"blocks": [b.type for b in r.content],
           "thinking": "".join(b.thinking for b in r.content if b.type == "thinking"),
           "text": "".join(b.text for b in r.content if b.type == "text")}
    thinking, text = "", ""
    with client.messages.stream(model=model, max_tokens=2048, thinking={"type": "enabled", "budget_tokens": 1024},
                                messages=MESSAGES) as stream:
        for event in stream:
            if event.type == "thinking":
                thinking += event.thinking
            elif event.type == "text":
                text += event.text
        final = stream.get_final_message()
    out["streamed"] = {"thinking": thinking, "text": text, "blocks": [b.type for b in final.content]}
    return out


def count_tokens(base, model):
    r = anthropic_client(base).messages.count_tokens(model=model, messages=MESSAGES)
    return {"input_tokens": r.input_tokens}


def models_anthropic(base):
    page = anthropic_client(base).models.list()
    return {"ids": [m.id for m in page.data], "types": sorted({m.type for m in page.data})}


def models_openai(base):
    return {"ids": [m.id for m in openai_client(base).models.list()]}


SCENARIOS = {f.__name__: f for f in
             [chat, chat_stream, chat_tools, embeddings, chat_disconnect, big_prompt, messages, messages_stream,
              responses, responses_stream, responses_reasoning, responses_tools, responses_previous, messages_tools, messages_thinking,
              count_tokens, models_anthropic, models_openai]}


def main():
    scenario, base, *args = sys.argv[1:]
    try:
        out = SCENARIOS[scenario](base, *args)
    except (openai.APIStatusError, anthropic.APIStatusError) as e:
        body = e.body if isinstance(e.body, (dict, list)) else str(e.body)
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            body = body["error"]  # OpenAI's and Anthropic's error objects, whichever way the SDK hands them over
        headers = {k: v for k, v in e.response.headers.items()
                   if k.lower().startswith("x-ratelimit-") or k.lower() == "retry-after"}
        out = {"error": {"status": e.status_code, "body": body, "type": type(e).__name__, "headers": headers}}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
