import streamlit as st

st.title("charts")
st.info("Coming soon")
